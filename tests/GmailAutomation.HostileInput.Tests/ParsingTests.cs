extern alias email;

using System.Diagnostics;
using System.Text.Json;
using email::GmailAutomation.EmailService.Sync;
using GmailAutomation.EventBus;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.MailParsing;

namespace GmailAutomation.HostileInput.Tests;

/// <summary>
/// Every hostile message becomes features and an <see cref="EmailReceived"/> event that the bus can carry: no
/// exception, a bounded time, and the malformed-part flags a consumer needs to know the message was broken.
/// </summary>
public sealed class ParsingTests
{
    /// <summary>Generous for a loaded 2-core machine; a parser that loops or goes quadratic takes far longer.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan LargeLimit = TimeSpan.FromSeconds(90);

    /// <summary>Flags a message must carry (at least), by file.</summary>
    private static readonly Dictionary<string, string[]> ExpectedFlags = new(StringComparer.Ordinal)
    {
        ["06-unknown-charset.eml"] = [MalformedKinds.BodyEncoding],
        ["07-lying-charset-utf8-is-latin1.eml"] = [MalformedKinds.BodyEncoding],
        ["15-zero-byte.eml"] = [MalformedKinds.MimeStructure],
        ["33-multipart-missing-boundary.eml"] = [MalformedKinds.MimeStructure],
        ["34-multipart-boundary-never-used.eml"] = [MalformedKinds.MimeStructure],
        ["45-from-garbage.eml"] = [MalformedKinds.Header],
        ["47-attachment-no-name.eml"] = [MalformedKinds.Attachment],
        ["31-nul-bytes-body.eml"] = [MalformedKinds.BodyEncoding],
        ["32-nul-bytes-header.eml"] = [MalformedKinds.Header],
    };

    /// <summary>Well-formed (if unusual) messages that must not be flagged at all.</summary>
    private static readonly HashSet<string> Clean = new(StringComparer.Ordinal)
    {
        "11-missing-from.eml", "12-missing-date.eml", "13-missing-subject.eml", "18-html-only.eml", "24-rtl-arabic-hebrew.eml",
        "25-emoji.eml", "36-nested-multipart-200.eml", "41-8bit-headers-utf8.eml", "61-windows-1252-smart-quotes.eml",
        "62-iso-2022-jp.eml", "63-utf16-body.eml", HostileCorpus.LargeAttachment,
    };

    public static TheoryData<string> Messages() => HostileCorpus.All();

    [Fact]
    public void The_corpus_has_at_least_50_messages_and_the_readme_describes_each()
    {
        var readme = File.ReadAllText(Path.Combine(HostileCorpus.Folder, "README.md"));
        var files = HostileCorpus.FileNames.ToList();

        Assert.True(files.Count >= 50, $"only {files.Count} messages");
        Assert.All(files, name => Assert.Contains($"| `{name}` |", readme, StringComparison.Ordinal));
        var listed = System.Text.RegularExpressions.Regex.Matches(readme, @"^\| `(?<name>\d+-[^`]+\.eml)` \|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups["name"].Value);
        Assert.All(listed, name => Assert.Contains(name, files));
        Assert.All(files, name => Assert.True(new FileInfo(Path.Combine(HostileCorpus.Folder, name)).Length < 512 * 1024, $"{name} is not small"));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task The_feature_extractor_reads_every_message_in_bounded_time(string name)
    {
        var raw = HostileCorpus.Read(name);

        var (features, elapsed) = await TimedAsync(name, () => MessageFeatureExtractor.FromBytes(raw));

        Assert.NotNull(features.Subject);
        Assert.NotNull(features.BodyText);
        Assert.True(features.BodyText.Length <= MessageFeatureLimits.Default.MaxBodyChars, $"{features.BodyText.Length} body characters kept");
        Assert.All(features.MalformedParts, flag => Assert.Contains(flag, new[] { MalformedKinds.Header, MalformedKinds.MimeStructure, MalformedKinds.BodyEncoding, MalformedKinds.Attachment }));
        foreach (var flag in ExpectedFlags.GetValueOrDefault(name, []))
        {
            Assert.Contains(flag, features.MalformedParts);
        }

        if (Clean.Contains(name))
        {
            Assert.Empty(features.MalformedParts);
        }

        Assert.True(elapsed < (name == HostileCorpus.LargeAttachment ? LargeLimit : Limit), $"{name}: {elapsed.TotalMilliseconds:0} ms");
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task The_email_service_turns_every_message_into_an_event_the_bus_can_carry(string name)
    {
        var raw = HostileCorpus.Read(name);
        var message = new GmailMessage { Id = "m-" + name, ThreadId = "t-" + name, Raw = raw, HistoryId = 42, InternalDate = 1_795_000_000_000, LabelIds = ["INBOX"] };

        var (received, elapsed) = await TimedAsync(name, () => EmailReceivedFactory.Create(Guid.NewGuid(), message, EmailSyncSources.Incremental, MessageFeatureLimits.Default.MaxBodyChars));
        var json = IntegrationEventSerializer.Serialize(received);
        var back = (EmailReceived)IntegrationEventSerializer.Deserialize(json, typeof(EmailReceived));

        Assert.Equal(message.Id, back.GmailMessageId);
        Assert.Equal(received.Subject, back.Subject);
        Assert.Equal(received.BodyText, back.BodyText);
        Assert.Equal(received.MalformedParts, back.MalformedParts);
        foreach (var flag in ExpectedFlags.GetValueOrDefault(name, []))
        {
            Assert.Contains(flag, received.MalformedParts);
        }

        Assert.True(elapsed < (name == HostileCorpus.LargeAttachment ? LargeLimit : Limit), $"{name}: {elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public void The_25_mb_attachment_is_listed_with_its_decoded_size_and_the_text_is_read()
    {
        var message = new GmailMessage { Id = "large", ThreadId = "large", Raw = HostileCorpus.Read(HostileCorpus.LargeAttachment) };

        var received = EmailReceivedFactory.Create(Guid.NewGuid(), message, EmailSyncSources.Initial, 64 * 1024);

        var attachment = Assert.Single(received.Attachments);
        Assert.Equal("scans.pdf", attachment.FileName);
        Assert.Equal(HostileCorpus.LargeAttachmentBytes, attachment.SizeBytes);
        Assert.Equal("Here are the scans.", received.BodyText.Trim());
    }

    [Fact]
    public void Odd_but_readable_messages_keep_what_can_be_read()
    {
        var nested = MessageFeatureExtractor.FromBytes(HostileCorpus.Read("36-nested-multipart-200.eml"));
        var html = MessageFeatureExtractor.FromBytes(HostileCorpus.Read("18-html-only.eml"));
        var longLine = MessageFeatureExtractor.FromBytes(HostileCorpus.Read("60-very-long-body-line.eml"));
        var duplicated = MessageFeatureExtractor.FromBytes(HostileCorpus.Read("39-duplicated-headers.eml"));
        var rtl = MessageFeatureExtractor.FromBytes(HostileCorpus.Read("24-rtl-arabic-hebrew.eml"));
        var windows1252 = MessageFeatureExtractor.FromBytes(HostileCorpus.Read("61-windows-1252-smart-quotes.eml"));

        Assert.Contains("The innermost text.", nested.BodyText, StringComparison.Ordinal);
        Assert.True(html.BodyFromHtml);
        Assert.Contains("Digest", html.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("alert(1)", html.BodyText, StringComparison.Ordinal);
        Assert.True(longLine.BodyTruncated);
        Assert.Equal("first@example.com", duplicated.From?.Address);
        Assert.Equal("m.ali@example.com", rtl.From?.Address);
        Assert.Contains("\u0645\u062d\u0645\u062f", rtl.From?.Name, StringComparison.Ordinal);
        Assert.Contains("\u201cSmart quotes\u201d", windows1252.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_never_ends_in_half_a_surrogate_pair_or_carries_nul_characters()
    {
        foreach (var name in HostileCorpus.FileNames)
        {
            var features = MessageFeatureExtractor.FromBytes(HostileCorpus.Read(name));
            foreach (var (what, text) in new[] { ("body", features.BodyText), ("subject", features.Subject), ("from", features.From?.Name ?? string.Empty) })
            {
                Assert.False(text.Contains('\0', StringComparison.Ordinal), $"{name}: NUL in the {what}");
                Assert.True(IsWellFormedUtf16(text), $"{name}: a lone surrogate in the {what}");
            }
        }
    }

    internal static bool IsWellFormedUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<(T Result, TimeSpan Elapsed)> TimedAsync<T>(string name, Func<T> work)
    {
        var watch = Stopwatch.StartNew();
        var task = Task.Run(work);
        try
        {
            var result = await task.WaitAsync(name == HostileCorpus.LargeAttachment ? LargeLimit * 2 : Limit * 2);
            return (result, watch.Elapsed);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{name} was still being read after {watch.Elapsed.TotalSeconds:0} s.");
        }
    }
}
