using System.Collections.Concurrent;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Models;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ClassificationService.Labels;

/// <summary>
/// Finds or creates the Gmail labels classification applies (<c>Automation/Newsletter</c>, labels added by rules)
/// and remembers name → id per account (memory, then account_labels, then Gmail). A missing label is created with
/// its parents; a 409 because another replica created it first is answered by listing the labels again.
/// </summary>
public sealed partial class LabelManager(
    GmailApiClient gmail,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<LabelManager> logger)
{
    private readonly ConcurrentDictionary<(Guid Account, string Name), string> _ids = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new();

    /// <summary>Ids of <paramref name="names"/> in the account's mailbox, in the same order; labels are created when missing.</summary>
    public async Task<IReadOnlyList<string>> EnsureAsync(Guid accountId, string email, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            return [];
        }

        if (TryAllCached(accountId, names) is { } cached)
        {
            return cached;
        }

        // One label creation per account at a time on this replica; other replicas are handled by the 409 path.
        var gate = _gates.GetOrAdd(accountId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ClassificationDbContext>();
            var lowered = names.Select(Key).ToList();
            var stored = await db.Labels.AsNoTracking().Where(l => l.AccountId == accountId).ToListAsync(cancellationToken);
            foreach (var label in stored)
            {
                _ids[(accountId, Key(label.Name))] = label.LabelId;
            }

            if (TryAllCached(accountId, names) is { } fromDb)
            {
                return fromDb;
            }

            var existing = await ListAsync(email, cancellationToken);
            foreach (var name in WithParents(names))
            {
                if (!existing.TryGetValue(Key(name), out var id))
                {
                    id = await CreateAsync(email, name, cancellationToken);
                    existing[Key(name)] = id;
                }

                if (lowered.Contains(Key(name)))
                {
                    await RememberAsync(db, accountId, name, id, cancellationToken);
                }
            }

            return [.. names.Select(n => _ids[(accountId, Key(n))])];
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets the account's label ids (a label was deleted in Gmail): the next use looks them up again.</summary>
    public async Task ForgetAsync(Guid accountId, CancellationToken cancellationToken)
    {
        foreach (var key in _ids.Keys.Where(k => k.Account == accountId).ToList())
        {
            _ids.TryRemove(key, out _);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClassificationDbContext>();
        await db.Labels.Where(l => l.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
    }

    private IReadOnlyList<string>? TryAllCached(Guid accountId, IReadOnlyList<string> names)
    {
        var ids = new string[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            if (!_ids.TryGetValue((accountId, Key(names[i])), out var id))
            {
                return null;
            }

            ids[i] = id;
        }

        return ids;
    }

    private async Task<Dictionary<string, string>> ListAsync(string email, CancellationToken cancellationToken)
    {
        var labels = await gmail.ListLabelsAsync(email, cancellationToken);
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            if (label.Name is { } name && label.Id is { } id)
            {
                byName.TryAdd(Key(name), id);
            }
        }

        return byName;
    }

    private async Task<string> CreateAsync(string email, string name, CancellationToken cancellationToken)
    {
        try
        {
            var created = await gmail.CreateLabelAsync(email, new GmailLabel
            {
                Name = name,
                MessageListVisibility = "show",
                LabelListVisibility = "labelShow",
            }, cancellationToken);
            LogCreated(name);
            return created.Id ?? throw new ExternalServiceException(GmailApiClient.ServiceName, "labels.create answered without an id");
        }
        catch (ExternalServiceException ex) when (ex.UpstreamStatus == 409)
        {
            // Created meanwhile by another replica (or the user): take the existing one.
            var again = await ListAsync(email, cancellationToken);
            if (again.TryGetValue(Key(name), out var id))
            {
                return id;
            }

            throw;
        }
    }

    private async Task RememberAsync(ClassificationDbContext db, Guid accountId, string name, string id, CancellationToken cancellationToken)
    {
        _ids[(accountId, Key(name))] = id;
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO account_labels ("AccountId", "Name", "LabelId", "CreatedAt") VALUES ({accountId}, {name}, {id}, {time.GetUtcNow()})
            ON CONFLICT ("AccountId", "Name") DO UPDATE SET "LabelId" = EXCLUDED."LabelId"
            """,
            cancellationToken);
    }

    /// <summary>Each name preceded by its parents (<c>A</c>, <c>A/B</c>, <c>A/B/C</c>), so nested labels show nested in Gmail.</summary>
    private static IEnumerable<string> WithParents(IReadOnlyList<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var parts = name.Split('/');
            for (var i = 1; i <= parts.Length; i++)
            {
                var path = string.Join('/', parts[..i]);
                if (path.Length > 0 && seen.Add(Key(path)))
                {
                    yield return path;
                }
            }
        }
    }

    private static string Key(string name) => name.Trim().ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Gmail label {Name}")]
    private partial void LogCreated(string name);
}
