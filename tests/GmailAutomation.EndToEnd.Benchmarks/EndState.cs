namespace GmailAutomation.EndToEnd.Benchmarks;

/// <summary>
/// What the emulator holds for the delivered messages, against what they must carry: exactly their category
/// label, once, and no other category label; at most one draft each, exactly one for a message that needs a reply.
/// Drafts are tied to the message they answer by their In-Reply-To (each delivered message has its own Message-ID).
/// </summary>
internal sealed record EndState
{
    public int Messages { get; init; }

    public int NeedsReply { get; init; }

    public int Labelled { get; init; }

    public int Drafts { get; init; }

    public int MissingLabel { get; init; }

    public int WrongLabel { get; init; }

    public int ExtraCategoryLabels { get; init; }

    public int MissingDraft { get; init; }

    public int DuplicateDrafts { get; init; }

    public int UnexpectedDrafts { get; init; }

    public int MissingMessages { get; init; }

    /// <summary>Nothing is missing any more (duplicates and wrong labels are failures, not work in progress).</summary>
    public bool Complete => MissingLabel == 0 && MissingDraft == 0;

    public bool Correct => Complete && WrongLabel == 0 && ExtraCategoryLabels == 0 && DuplicateDrafts == 0 && UnexpectedDrafts == 0 && MissingMessages == 0;

    public override string ToString() =>
        $"{Labelled}/{Messages} labelled, {Drafts} drafts for {NeedsReply} needing a reply; missing label {MissingLabel}, wrong label {WrongLabel}, " +
        $"extra category labels {ExtraCategoryLabels}, missing draft {MissingDraft}, duplicate drafts {DuplicateDrafts}, unexpected drafts {UnexpectedDrafts}, missing messages {MissingMessages}";

    public static async Task<EndState> ReadAsync(EmulatorAdmin emulator, IReadOnlyCollection<DeliveredMessage> delivered, CancellationToken cancellationToken)
    {
        var messages = 0;
        var needsReply = 0;
        var labelled = 0;
        var drafts = 0;
        var missingLabel = 0;
        var wrongLabel = 0;
        var extra = 0;
        var missingDraft = 0;
        var duplicate = 0;
        var unexpected = 0;
        var missingMessages = 0;
        foreach (var group in delivered.GroupBy(m => m.Mailbox, StringComparer.OrdinalIgnoreCase))
        {
            var state = await emulator.GetMailboxAsync(group.Key, cancellationToken);
            var byId = state.Messages.ToDictionary(m => m.Id, StringComparer.Ordinal);
            var draftsFor = state.Drafts
                .GroupBy(d => d.Headers.GetValueOrDefault("In-Reply-To") ?? string.Empty, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            foreach (var sent in group)
            {
                messages++;
                var expected = MailKinds.ExpectedLabel(sent.Kind);
                if (!byId.TryGetValue(sent.GmailId, out var message))
                {
                    missingMessages++;
                    continue;
                }

                var categoryLabels = message.LabelNames.Where(l => l.StartsWith("Automation/", StringComparison.Ordinal)).ToList();
                if (categoryLabels.Count == 0)
                {
                    missingLabel++;
                }
                else if (!categoryLabels.Contains(expected, StringComparer.Ordinal))
                {
                    wrongLabel++;
                }
                else
                {
                    labelled++;
                }

                if (categoryLabels.Count > 1 || message.LabelNames.Count(l => l == expected) > 1)
                {
                    extra++;
                }

                var count = draftsFor.GetValueOrDefault(sent.RfcMessageId);
                drafts += count;
                if (MailKinds.NeedsReply(sent.Kind))
                {
                    needsReply++;
                    if (count == 0)
                    {
                        missingDraft++;
                    }
                }
                else if (count > 0)
                {
                    unexpected++;
                }

                if (count > 1)
                {
                    duplicate++;
                }
            }
        }

        return new EndState
        {
            Messages = messages,
            NeedsReply = needsReply,
            Labelled = labelled,
            Drafts = drafts,
            MissingLabel = missingLabel,
            WrongLabel = wrongLabel,
            ExtraCategoryLabels = extra,
            MissingDraft = missingDraft,
            DuplicateDrafts = duplicate,
            UnexpectedDrafts = unexpected,
            MissingMessages = missingMessages,
        };
    }

    /// <summary>
    /// Polls until nothing is missing (or the patience runs out), then waits a little longer and reads again, so a
    /// late duplicate (a redelivered event acted on twice) is caught rather than missed.
    /// </summary>
    public static async Task<(EndState State, TimeSpan Took)> WaitAsync(
        EmulatorAdmin emulator, IReadOnlyCollection<DeliveredMessage> delivered, TimeSpan patience, TimeSpan settle, TimeSpan every, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        EndState state;
        while (true)
        {
            state = await ReadAsync(emulator, delivered, cancellationToken);
            if (state.Complete || clock.Elapsed > patience)
            {
                break;
            }

            await Task.Delay(every, cancellationToken);
        }

        var took = clock.Elapsed;
        await Task.Delay(settle, cancellationToken);
        return (await ReadAsync(emulator, delivered, cancellationToken), took);
    }
}
