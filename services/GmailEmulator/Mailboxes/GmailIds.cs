using System.Globalization;

namespace GmailAutomation.GmailEmulator.Mailboxes;

/// <summary>
/// Message and thread ids look like Gmail's: 16 lowercase hex digits, growing with time (milliseconds shifted
/// left by 20 bits, as Gmail's are), unique across the process.
/// </summary>
public static class GmailIds
{
    private static long _last;

    public static ulong NewMessageId(TimeProvider time)
    {
        var candidate = time.GetUtcNow().ToUnixTimeMilliseconds() << 20;
        while (true)
        {
            var last = Interlocked.Read(ref _last);
            var next = Math.Max(candidate, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return (ulong)next;
            }
        }
    }

    public static string Format(ulong id) => id.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Parses a hex id; false for anything Gmail would call an invalid id value.</summary>
    public static bool TryParse(string? value, out ulong id)
    {
        id = 0;
        return !string.IsNullOrEmpty(value)
            && value.Length <= 16
            && ulong.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out id);
    }

    public static string NewDraftId() => "r" + Random.Shared.NextInt64(1_000_000_000_000_000_000, long.MaxValue).ToString(CultureInfo.InvariantCulture);
}
