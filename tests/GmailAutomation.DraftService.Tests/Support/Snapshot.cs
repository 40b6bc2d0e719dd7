using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace GmailAutomation.DraftService.Tests.Support;

/// <summary>
/// Compares generated RFC 822 text with a committed file under <c>Snapshots/</c>, after replacing what changes from
/// run to run (Date, Message-ID, MIME boundaries). A difference fails and leaves <c>name.received.eml</c> beside
/// the snapshot; <c>UPDATE_SNAPSHOTS=1</c> rewrites the snapshots instead (review the diff before committing).
/// </summary>
public static partial class Snapshot
{
    public static string Normalize(string rfc822)
    {
        var text = rfc822.ReplaceLineEndings("\r\n");
        foreach (var boundary in Boundary().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList())
        {
            text = text.Replace(boundary, "BOUNDARY", StringComparison.Ordinal);
        }

        text = DateHeader().Replace(text, "Date: DATE");
        text = MessageIdHeader().Replace(text, "Message-Id: <MESSAGE-ID>");
        return text;
    }

    public static void Verify(string name, string rfc822, [CallerFilePath] string callerPath = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        var path = Path.Combine(directory, name + ".eml");
        var received = Normalize(rfc822);
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, received);
            return;
        }

        var receivedPath = Path.Combine(directory, name + ".received.eml");
        if (!File.Exists(path))
        {
            File.WriteAllText(receivedPath, received);
            Assert.Fail($"No snapshot {path}; the generated text is in {receivedPath}.");
        }

        var expected = File.ReadAllText(path).ReplaceLineEndings("\r\n");
        if (expected != received)
        {
            File.WriteAllText(receivedPath, received);
        }
        else if (File.Exists(receivedPath))
        {
            File.Delete(receivedPath);
        }

        Assert.Equal(expected, received);
    }

    [GeneratedRegex("boundary=\"?([^\";\\r\\n]+)\"?", RegexOptions.IgnoreCase)]
    private static partial Regex Boundary();

    [GeneratedRegex(@"^Date: [^\r\n]*", RegexOptions.Multiline)]
    private static partial Regex DateHeader();

    [GeneratedRegex(@"^Message-Id: [^\r\n]*", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex MessageIdHeader();
}
