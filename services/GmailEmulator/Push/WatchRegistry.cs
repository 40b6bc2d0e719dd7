using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using GmailAutomation.GmailEmulator.GmailApi;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.Push;

/// <summary>An active <c>users.watch</c>.</summary>
public sealed record WatchState(
    string Email,
    string TopicName,
    IReadOnlySet<string> LabelIds,
    bool ExcludeLabels,
    ulong HistoryId,
    DateTimeOffset Expiration)
{
    /// <summary>
    /// Google's label filter: with no labels every change notifies; <c>include</c> needs a change touching one
    /// of the labels, <c>exclude</c> one touching none of them.
    /// </summary>
    public bool Matches(IReadOnlyCollection<string> changedLabelIds)
    {
        if (LabelIds.Count == 0)
        {
            return true;
        }

        var touches = changedLabelIds.Any(LabelIds.Contains);
        return ExcludeLabels ? !touches : touches;
    }
}

/// <summary>The Gmail API's users.watch / users.stop, backed by the emulator's push machinery.</summary>
public interface IWatchRegistry
{
    /// <summary>
    /// Starts or replaces the watch of <paramref name="email"/> and publishes one notification at once.
    /// Throws <see cref="GmailApiException"/> with Google's answer for a malformed topic (400), a topic Gmail may
    /// not publish to (403) or a bad <paramref name="labelFilterBehavior"/> (400).
    /// </summary>
    /// <param name="labelFilterBehavior"><c>include</c> (default) or <c>exclude</c>; also the value of the deprecated <c>labelFilterAction</c>.</param>
    /// <param name="currentHistoryId">The mailbox's current history id, returned and sent in the first notification.</param>
    (ulong HistoryId, DateTimeOffset Expiration) Watch(string email, string? topicName, IReadOnlyCollection<string>? labelIds, string? labelFilterBehavior, ulong currentHistoryId);

    /// <summary>Stops notifications for <paramref name="email"/>; a no-op when there is no watch.</summary>
    void Stop(string email);

    /// <summary>The live (not expired) watch of <paramref name="email"/>, if any.</summary>
    WatchState? Find(string email);
}

public sealed partial class WatchRegistry(TimeProvider time, IOptionsMonitor<PushOptions> options, PushNotifier notifier) : IWatchRegistry, IEmulatorResettable
{
    private readonly ConcurrentDictionary<string, WatchState> _watches = new(StringComparer.OrdinalIgnoreCase);

    public (ulong HistoryId, DateTimeOffset Expiration) Watch(string email, string? topicName, IReadOnlyCollection<string>? labelIds, string? labelFilterBehavior, ulong currentHistoryId)
    {
        var push = options.CurrentValue;
        var match = topicName is null ? null : TopicPattern().Match(topicName);
        if (match is not { Success: true })
        {
            throw GmailApiException.InvalidArgument($"Invalid topicName does not match projects/{push.ProjectId}/topics/*");
        }

        var project = match.Groups["project"].Value;
        if (push.AllowedProjects.Count > 0 && !push.AllowedProjects.Contains(project, StringComparer.Ordinal))
        {
            throw new GmailApiException(403,
                $"Error sending test message to Cloud PubSub {topicName} : User not authorized to perform this action.",
                "forbidden", "PERMISSION_DENIED");
        }

        var exclude = labelFilterBehavior?.ToLowerInvariant() switch
        {
            null or "" or "include" => false,
            "exclude" => true,
            _ => throw GmailApiException.InvalidArgument(
                $"Invalid value at 'watch_request.label_filter_behavior' (type.googleapis.com/google.apps.gmail.v1.WatchRequest.LabelFilterBehavior), \"{labelFilterBehavior}\""),
        };

        var watch = new WatchState(
            email,
            topicName!,
            new HashSet<string>(labelIds ?? [], StringComparer.Ordinal),
            exclude,
            currentHistoryId,
            time.GetUtcNow() + push.WatchLifetime);
        _watches[email] = watch;

        // "A successful watch immediately publishes one notification."
        notifier.Publish(watch, currentHistoryId);
        return (currentHistoryId, watch.Expiration);
    }

    public void Stop(string email)
    {
        if (_watches.TryRemove(email, out _))
        {
            notifier.Forget(email);
        }
    }

    public WatchState? Find(string email)
    {
        if (!_watches.TryGetValue(email, out var watch))
        {
            return null;
        }

        if (watch.Expiration <= time.GetUtcNow())
        {
            // Expired watches stay silent, like Gmail's; drop them so the registry does not grow.
            _watches.TryRemove(new KeyValuePair<string, WatchState>(email, watch));
            return null;
        }

        return watch;
    }

    public IReadOnlyList<WatchState> All => [.. _watches.Values.Where(w => w.Expiration > time.GetUtcNow()).OrderBy(w => w.Email, StringComparer.OrdinalIgnoreCase)];

    public void Reset()
    {
        foreach (var email in _watches.Keys)
        {
            Stop(email);
        }
    }

    [GeneratedRegex("^projects/(?<project>[a-z][a-z0-9-]{0,62}|[A-Za-z0-9._:-]+)/topics/(?<topic>[A-Za-z][A-Za-z0-9._~%+-]{0,254})$")]
    private static partial Regex TopicPattern();
}
