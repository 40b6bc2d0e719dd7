using System.Collections.Concurrent;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.ClassificationService.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ClassificationService.Pipeline;

/// <summary>A user's compiled rules and label settings, as of <see cref="Revision"/>.</summary>
public sealed record UserRuleSet(
    CompiledRuleSet Rules,
    IReadOnlyList<RuleDefinition> Definitions,
    IReadOnlySet<string> DisabledBuiltIns,
    string LabelParent,
    IReadOnlySet<string> DisabledLabelCategories,
    long Revision);

/// <summary>
/// Compiles each user's rules once per revision and shares the result (regexes come from one
/// <see cref="RegexCache"/>). The revision is re-read at most every <see cref="ClassificationOptions.CacheRecheckInterval"/>,
/// so a change made through another replica is picked up within that interval.
/// </summary>
public sealed partial class RuleSetProvider(
    IServiceScopeFactory scopes,
    RegexCache regexes,
    IOptions<ClassificationOptions> options,
    TimeProvider time,
    ILogger<RuleSetProvider> logger)
{
    private readonly ConcurrentDictionary<Guid, Entry> _cache = new();

    public RegexCache Regexes => regexes;

    public async Task<UserRuleSet> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(userId, out var entry) && now - entry.CheckedAt < options.Value.CacheRecheckInterval)
        {
            return entry.Set;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClassificationDbContext>();
        var revision = await db.UserSettings.Where(s => s.UserId == userId).Select(s => (long?)s.Revision).SingleOrDefaultAsync(cancellationToken) ?? 0;
        if (entry is not null && entry.Set.Revision == revision)
        {
            _cache[userId] = entry with { CheckedAt = now };
            return entry.Set;
        }

        var set = await LoadAsync(db, userId, cancellationToken);
        _cache[userId] = new Entry(set, now);
        return set;
    }

    /// <summary>Forgets the cached set after a change through this replica.</summary>
    public void Invalidate(Guid userId) => _cache.TryRemove(userId, out _);

    /// <summary>Compiles <paramref name="userRules"/> with the user's built-in switches (a proposed set for a dry-run).</summary>
    public CompiledRuleSet Compile(IEnumerable<RuleDefinition> userRules, IReadOnlySet<string> disabledBuiltIns) =>
        CompiledRuleSet.Compile(userRules, disabledBuiltIns, regexes);

    private async Task<UserRuleSet> LoadAsync(ClassificationDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var settings = await db.UserSettings.AsNoTracking().SingleOrDefaultAsync(s => s.UserId == userId, cancellationToken);
        var rows = await db.Rules.AsNoTracking().Where(r => r.UserId == userId).OrderBy(r => r.Position).ThenBy(r => r.CreatedAt).ToListAsync(cancellationToken);
        var definitions = new List<RuleDefinition>(rows.Count);
        foreach (var row in rows)
        {
            var definition = RuleJson.Deserialize(row.Definition) with { Id = row.Id.ToString() };

            // Rules are validated when saved; one that no longer validates (a stricter validator) is skipped, not fatal.
            if (RuleValidator.Validate(definition, regexes) is { Count: > 0 } errors)
            {
                LogSkippedRule(row.Id, errors[0].Message);
                continue;
            }

            definitions.Add(definition);
        }

        var disabled = new HashSet<string>(settings?.DisabledBuiltIns ?? [], StringComparer.Ordinal);
        return new UserRuleSet(
            CompiledRuleSet.Compile(definitions, disabled, regexes),
            definitions,
            disabled,
            settings?.LabelParent ?? options.Value.LabelParent,
            new HashSet<string>(settings?.DisabledLabelCategories ?? [], StringComparer.OrdinalIgnoreCase),
            settings?.Revision ?? 0);
    }

    private sealed record Entry(UserRuleSet Set, DateTimeOffset CheckedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stored rule {RuleId} does not validate and is skipped: {Reason}")]
    private partial void LogSkippedRule(Guid ruleId, string reason);
}
