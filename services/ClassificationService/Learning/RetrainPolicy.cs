namespace GmailAutomation.ClassificationService.Learning;

/// <summary>Whether to retrain, and why (shown to the user and logged).</summary>
public sealed record RetrainDecision(bool Retrain, string Reason);

/// <summary>
/// When a per-account model is retrained because of the user's corrections: once the corrections since
/// the last training reach <see cref="MinCorrections"/> and <see cref="MinCorrectionShare"/> of the
/// messages that training used, but not more often than <see cref="MinInterval"/>.
/// (Retraining on demand ignores this policy.)
/// </summary>
public sealed record RetrainPolicy
{
    /// <summary>Fewer corrections than this never trigger retraining.</summary>
    public int MinCorrections { get; init; } = 20;

    /// <summary>Corrections needed as a share of the examples of the last training (5 % of 2,000 = 100).</summary>
    public double MinCorrectionShare { get; init; } = 0.05;

    /// <summary>The shortest time between two automatic trainings of one account.</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromHours(1);

    public static RetrainPolicy Default { get; } = new();

    /// <summary>The corrections needed to retrain a model that was trained on <paramref name="examplesAtLastTraining"/> messages.</summary>
    public int CorrectionsNeeded(int examplesAtLastTraining) =>
        Math.Max(MinCorrections, (int)Math.Ceiling(Math.Max(0, examplesAtLastTraining) * MinCorrectionShare));

    /// <param name="correctionsSinceLastTraining">User corrections stored since the model was trained.</param>
    /// <param name="examplesAtLastTraining">Messages the current model was trained on (0 when there is none).</param>
    /// <param name="lastTrainedAt">When the current model was trained; null when the account has none.</param>
    /// <param name="now">The current time.</param>
    public RetrainDecision ShouldRetrain(int correctionsSinceLastTraining, int examplesAtLastTraining, DateTimeOffset? lastTrainedAt, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(correctionsSinceLastTraining);
        var needed = CorrectionsNeeded(examplesAtLastTraining);
        if (correctionsSinceLastTraining < needed)
        {
            return new RetrainDecision(false, $"{correctionsSinceLastTraining} of {needed} corrections needed to retrain");
        }

        if (lastTrainedAt is { } last && now - last < MinInterval)
        {
            return new RetrainDecision(false, $"{correctionsSinceLastTraining} corrections, but the model was trained {(now - last).TotalMinutes:0} min ago (at most one training per {MinInterval.TotalMinutes:0} min)");
        }

        return new RetrainDecision(true, lastTrainedAt is null
            ? $"{correctionsSinceLastTraining} corrections and no model yet"
            : $"{correctionsSinceLastTraining} corrections since the last training (≥ {needed})");
    }
}
