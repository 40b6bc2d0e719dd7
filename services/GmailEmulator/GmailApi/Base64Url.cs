namespace GmailAutomation.GmailEmulator.GmailApi;

/// <summary>Gmail's bytes encoding: base64url WITH '=' padding on output; any base64 variant accepted on input.</summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string? value, out byte[] bytes)
    {
        bytes = [];
        if (value is null)
        {
            return false;
        }

        var normalized = value.Replace('-', '+').Replace('_', '/').Replace("\r", string.Empty).Replace("\n", string.Empty).Trim();
        normalized = normalized.TrimEnd('=');
        if (normalized.Length % 4 == 1)
        {
            return false;
        }

        normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
        try
        {
            bytes = Convert.FromBase64String(normalized);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
