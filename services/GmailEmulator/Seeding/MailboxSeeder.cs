using GmailAutomation.GmailEmulator.Mailboxes;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.Seeding;

/// <summary>
/// Fills the configured mailboxes at start-up, before the server takes requests: real corpus mail (each source
/// folder also applied as a user label such as <c>Corpus/easy_ham</c>) plus generated mail for categories the
/// corpus lacks (marked <c>X-Emulator-Generated: true</c>).
/// </summary>
public sealed partial class MailboxSeeder(
    MailboxStore store,
    IOptions<SeedOptions> options,
    IHostEnvironment environment,
    TimeProvider time,
    ILogger<MailboxSeeder> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var seed = options.Value;
        var mailboxes = seed.EffectiveMailboxes();
        if (mailboxes.Count == 0)
        {
            return Task.CompletedTask;
        }

        var corpus = ResolveCorpusPath(seed.CorpusPath, environment.ContentRootPath);
        foreach (var mailboxOptions in mailboxes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (corpusCount, generatedCount) = Seed(mailboxOptions, corpus);
            LogSeeded(logger, mailboxOptions.Email, corpusCount, generatedCount);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads one mailbox; returns how many corpus and generated messages it received.</summary>
    public (int Corpus, int Generated) Seed(SeedMailboxOptions seed, string? corpusPath)
    {
        var (mailbox, _) = store.GetOrCreate(seed.Email);
        var files = PickFiles(seed, corpusPath);
        var total = files.Count + seed.GeneratedMessages;
        var now = time.GetUtcNow();
        var span = TimeSpan.FromDays(seed.Days);
        var index = 0;

        long DateFor(int i) => (now - (span * ((i + 0.5) / Math.Max(total, 1)))).ToUnixTimeMilliseconds();

        // Generated mail is spread evenly between the corpus messages, so any sync window (the newest N days) has some.
        var generator = new GeneratedMail(new Random(StableSeed(seed.Email)), seed.Email);
        var corpus = 0;
        var generated = 0;
        for (; index < total; index++)
        {
            var isGenerated = (long)(index + 1) * seed.GeneratedMessages / total > (long)index * seed.GeneratedMessages / total;
            if (isGenerated)
            {
                var date = DateFor(index);
                var (raw, category) = generator.Next(generated++, DateTimeOffset.FromUnixTimeMilliseconds(date));
                var label = mailbox.ResolveOrCreateLabel("Generated/" + category);
                mailbox.AddMessage(ParsedMessage.Parse(raw), [SystemLabels.Inbox, SystemLabels.Unread, label], date, null, ThreadingMode.Inbound, notify: false);
            }
            else
            {
                var (folder, file) = files[corpus++];
                var label = mailbox.ResolveOrCreateLabel(LabelFor(folder));
                var labels = index % 3 == 0 ? new[] { SystemLabels.Inbox, SystemLabels.Unread, label } : [SystemLabels.Inbox, label];
                mailbox.AddMessage(ParsedMessage.Parse(File.ReadAllBytes(file)), labels, DateFor(index), null, ThreadingMode.Inbound, notify: false);
            }
        }

        return (files.Count, seed.GeneratedMessages);
    }

    /// <summary>
    /// The same number for the same address in every run (string.GetHashCode is randomized per process), so a
    /// mailbox is seeded with the same generated mail each time: FNV-1a over the lowercased address.
    /// </summary>
    public static int StableSeed(string email)
    {
        var hash = 2166136261u;
        foreach (var c in email.ToLowerInvariant())
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7fffffff);
    }

    /// <summary><c>spamassassin/easy_ham</c> → <c>Corpus/easy_ham</c>; <c>enron_berkeley/4</c> → <c>Corpus/enron_berkeley-4</c>.</summary>
    public static string LabelFor(string folder)
    {
        var segments = folder.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var last = segments[^1];
        return segments.Length > 1 && last.All(char.IsDigit) ? $"Corpus/{segments[^2]}-{last}" : $"Corpus/{last}";
    }

    /// <summary>The configured corpus folder, or <c>shared/data/mail</c> found beside an ancestor of the content root.</summary>
    public static string? ResolveCorpusPath(string? configured, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured, contentRoot);
        }

        for (var directory = new DirectoryInfo(contentRoot); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data", "mail");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static List<(string Folder, string File)> PickFiles(SeedMailboxOptions seed, string? corpusPath)
    {
        if (seed.Folders.Count == 0)
        {
            return [];
        }

        if (corpusPath is null || !Directory.Exists(corpusPath))
        {
            throw new GmailAutomation.Common.Errors.ConfigurationException(
                "Emulator:Seed:CorpusPath", $"The mail corpus was not found (looked for '{corpusPath ?? "shared/data/mail above the content root"}').");
        }

        var queues = seed.Folders.Select(folder =>
        {
            var path = Path.Combine(corpusPath, folder);
            if (!Directory.Exists(path))
            {
                throw new GmailAutomation.Common.Errors.ConfigurationException("Emulator:Seed:Mailboxes:Folders", $"Corpus folder '{folder}' does not exist under '{corpusPath}'.");
            }

            return new Queue<string>(Directory.EnumerateFiles(path, "*.eml").Order(StringComparer.Ordinal));
        }).ToArray();

        // In turn from each folder, so a small MaxMessages still gets every category.
        var picked = new List<(string, string)>();
        while (picked.Count < seed.MaxMessages && queues.Any(q => q.Count > 0))
        {
            for (var i = 0; i < queues.Length && picked.Count < seed.MaxMessages; i++)
            {
                if (queues[i].TryDequeue(out var file))
                {
                    picked.Add((seed.Folders[i], file));
                }
            }
        }

        return picked;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded mailbox {Email}: {Corpus} corpus messages, {Generated} generated")]
    private static partial void LogSeeded(ILogger logger, string email, int corpus, int generated);
}
