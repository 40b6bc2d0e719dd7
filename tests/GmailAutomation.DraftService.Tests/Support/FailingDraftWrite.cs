using GmailAutomation.DraftService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GmailAutomation.DraftService.Tests.Support;

/// <summary>
/// Makes the database write that records a created draft fail <paramref name="failures"/> times, after the Gmail call
/// succeeded: what a crash or a lost database connection at that moment leaves behind.
/// </summary>
public sealed class FailingDraftWrite(int failures) : SaveChangesInterceptor
{
    private readonly int planned = failures;
    private int remaining = failures;

    public int Failed => planned - Math.Max(0, Volatile.Read(ref remaining));

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        var recordsCreated = eventData.Context?.ChangeTracker.Entries<DraftRecord>()
            .Any(e => e.State == EntityState.Modified && e.Entity.Status == DraftStatus.Created) == true;
        if (recordsCreated && Interlocked.Decrement(ref remaining) >= 0)
        {
            throw new DbUpdateException("Simulated: the database went away after the draft was saved in Gmail.");
        }

        return base.SavingChangesAsync(eventData, result, cancellationToken);
    }
}
