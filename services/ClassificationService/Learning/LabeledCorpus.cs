using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>A labelled message read from a corpus folder.</summary>
public sealed record LabeledMessage(string Label, string Path, MessageFeatures Features);

/// <summary>
/// Reads a folder whose first-level subfolders are labels holding RFC 822 files (symbolic links followed),
/// in a stable order so that training is reproducible.
/// </summary>
public static class LabeledCorpus
{
    public static IReadOnlyList<LabeledMessage> Load(string directory, int maxParallelism = 2)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Corpus folder '{directory}' does not exist.");
        }

        var files = Directory.EnumerateDirectories(directory)
            .OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(labelDir => Directory.EnumerateFiles(labelDir)
                .Where(f => !System.IO.Path.GetFileName(f).StartsWith('.'))
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => (Label: System.IO.Path.GetFileName(labelDir), Path: f)))
            .ToArray();

        var messages = new LabeledMessage[files.Length];
        Parallel.For(0, files.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallelism) }, i =>
        {
            var (label, path) = files[i];
            messages[i] = new LabeledMessage(label, path, MessageFeatureExtractor.FromFile(path));
        });

        return messages;
    }
}
