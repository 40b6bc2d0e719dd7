using System.Globalization;
using GmailAutomation.GmailEmulator.GmailApi;

namespace GmailAutomation.GmailEmulator.Mailboxes;

public sealed partial class Mailbox
{
    private const int MaxLabels = 10_000;

    public IReadOnlyList<LabelState> ListLabels()
    {
        lock (_gate)
        {
            return _labels.Select(label => label.Clone()).ToArray();
        }
    }

    public LabelWithCounts GetLabel(string id)
    {
        lock (_gate)
        {
            var label = _labelsById.GetValueOrDefault(id) ?? throw GmailApiException.NotFound();
            if (!_byLabel.TryGetValue(id, out var members))
            {
                return new LabelWithCounts(label.Clone(), 0, 0, 0, 0);
            }

            var unread = 0;
            var threads = new HashSet<ulong>();
            var unreadThreads = new HashSet<ulong>();
            foreach (var key in members)
            {
                var message = _messages[key.Id];
                threads.Add(message.ThreadId);
                if (message.Labels.Contains(SystemLabels.Unread))
                {
                    unread++;
                    unreadThreads.Add(message.ThreadId);
                }
            }

            return new LabelWithCounts(label.Clone(), members.Count, unread, threads.Count, unreadThreads.Count);
        }
    }

    /// <summary>labels.create with Gmail's checks: reserved names 400, duplicates 409, palette colours only.</summary>
    public LabelState CreateLabel(string? name, string? messageListVisibility, string? labelListVisibility, string? textColor, string? backgroundColor)
    {
        lock (_gate)
        {
            var label = new LabelState
            {
                Id = "Label_" + _nextLabelNumber.ToString(CultureInfo.InvariantCulture),
                Name = ValidateNewName(name, exceptId: null),
                IsSystem = false,
                MessageListVisibility = ValidateVisibility(messageListVisibility, "show", "hide"),
                LabelListVisibility = ValidateVisibility(labelListVisibility, "labelShow", "labelShowIfUnread", "labelHide"),
            };
            (label.TextColor, label.BackgroundColor) = ValidateColor(textColor, backgroundColor);
            if (_labels.Count >= MaxLabels + SystemLabels.Create().Count)
            {
                throw GmailApiException.FailedPrecondition("Too many labels.");
            }

            _nextLabelNumber++;
            _labels.Add(label);
            _labelsById[label.Id] = label;
            return label.Clone();
        }
    }

    /// <summary>labels.update (<paramref name="replace"/>) or labels.patch: only given fields change on patch.</summary>
    public LabelState UpdateLabel(string id, bool replace, string? name, string? messageListVisibility, string? labelListVisibility, string? textColor, string? backgroundColor)
    {
        lock (_gate)
        {
            var label = _labelsById.GetValueOrDefault(id) ?? throw GmailApiException.NotFound();
            if (label.IsSystem)
            {
                throw GmailApiException.InvalidArgument($"Invalid label: {id}");
            }

            var newName = name is null && !replace ? label.Name : ValidateNewName(name, exceptId: id);
            var mlv = messageListVisibility is null && !replace ? label.MessageListVisibility : ValidateVisibility(messageListVisibility, "show", "hide");
            var llv = labelListVisibility is null && !replace
                ? label.LabelListVisibility
                : ValidateVisibility(labelListVisibility, "labelShow", "labelShowIfUnread", "labelHide");
            var colors = textColor is null && backgroundColor is null && !replace
                ? (label.TextColor, label.BackgroundColor)
                : ValidateColor(textColor, backgroundColor);

            label.Name = newName;
            label.MessageListVisibility = mlv;
            label.LabelListVisibility = llv;
            (label.TextColor, label.BackgroundColor) = colors;
            return label.Clone();
        }
    }

    /// <summary>labels.delete: the label leaves every message (labelRemoved records).</summary>
    public void DeleteLabel(string id)
    {
        List<(ulong, IReadOnlyCollection<string>)> pending;
        lock (_gate)
        {
            var label = _labelsById.GetValueOrDefault(id) ?? throw GmailApiException.NotFound();
            if (label.IsSystem)
            {
                throw GmailApiException.InvalidArgument("Invalid delete request");
            }

            if (_byLabel.TryGetValue(id, out var members))
            {
                foreach (var key in members.ToArray())
                {
                    ApplyLabels(_messages[key.Id], [], [id]);
                }

                _byLabel.Remove(id);
            }

            _labels.Remove(label);
            _labelsById.Remove(id);
            pending = TakePending();
        }

        Publish(pending);
    }

    /// <summary>
    /// For the admin API and seeding: a label id for a system id, a user label id or a user label name, creating
    /// the user label when the name is new.
    /// </summary>
    public string ResolveOrCreateLabel(string idOrName)
    {
        lock (_gate)
        {
            if (_labelsById.ContainsKey(idOrName))
            {
                return idOrName;
            }

            var key = SystemLabels.ConflictKey(idOrName);
            var existing = _labels.FirstOrDefault(l => SystemLabels.ConflictKey(l.Name) == key);
            if (existing is not null)
            {
                return existing.Id;
            }
        }

        return CreateLabel(idOrName, null, null, null, null).Id;
    }

    private string ValidateNewName(string? name, string? exceptId)
    {
        if (string.IsNullOrWhiteSpace(name) || SystemLabels.IsReservedName(name) || name.Length > 225)
        {
            throw GmailApiException.InvalidArgument("Invalid label name");
        }

        var key = SystemLabels.ConflictKey(name);
        if (_labels.Any(l => l.Id != exceptId && SystemLabels.ConflictKey(l.Name) == key))
        {
            throw GmailApiException.Conflict("Label name exists or conflicts");
        }

        return name.Trim();
    }

    private static string? ValidateVisibility(string? value, params string[] allowed)
    {
        if (value is null || allowed.Contains(value, StringComparer.Ordinal))
        {
            return value;
        }

        throw GmailApiException.InvalidArgument($"Invalid value for visibility: {value}");
    }

    private static (string?, string?) ValidateColor(string? text, string? background)
    {
        if (text is null && background is null)
        {
            return (null, null);
        }

        if (text is null || background is null)
        {
            throw GmailApiException.InvalidArgument("Label color requires both textColor and backgroundColor");
        }

        foreach (var color in new[] { text, background })
        {
            if (!SystemLabels.Palette.Contains(color))
            {
                throw GmailApiException.InvalidArgument($"Label color {color} is not on the allowed color palette");
            }
        }

        return (text.ToLowerInvariant(), background.ToLowerInvariant());
    }
}
