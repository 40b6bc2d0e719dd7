using System.Text;

namespace GmailAutomation.HostileInput.Tests;

/// <summary>The files of tests/data/hostile-mail plus the 25 MB attachment message, built here rather than checked in.</summary>
internal static class HostileCorpus
{
    public const string LargeAttachment = "25mb-attachment.eml";

    public const int LargeAttachmentBytes = 25 * 1024 * 1024;

    private static readonly Lazy<byte[]> Large = new(BuildLargeAttachment);

    public static string Folder { get; } = FindFolder();

    public static IEnumerable<string> FileNames =>
        Directory.EnumerateFiles(Folder, "*.eml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>Every message, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in FileNames)
        {
            data.Add(name);
        }

        data.Add(LargeAttachment);
        return data;
    }

    public static byte[] Read(string name) =>
        name == LargeAttachment ? Large.Value : File.ReadAllBytes(Path.Combine(Folder, name));

    private static byte[] BuildLargeAttachment()
    {
        var head = "From: Big Sender <big@example.com>\r\nTo: me@example.org\r\nSubject: The scans you asked for\r\n"
            + "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <large@example.com>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + "Here are the scans.\r\n--big\r\nContent-Type: application/pdf; name=\"scans.pdf\"\r\n"
            + "Content-Disposition: attachment; filename=\"scans.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        var content = new byte[LargeAttachmentBytes];
        new Random(25).NextBytes(content);
        var base64 = Convert.ToBase64String(content, Base64FormattingOptions.InsertLineBreaks);
        return Encoding.ASCII.GetBytes(head + base64 + "\r\n--big--\r\n");
    }

    private static string FindFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "tests", "data", "hostile-mail");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/data/hostile-mail not found above {AppContext.BaseDirectory}.");
    }
}
