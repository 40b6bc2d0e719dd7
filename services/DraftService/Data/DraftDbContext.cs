using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.DraftService.Data;

/// <summary>draftdb: accounts with their reply preferences, one draft record per message, the audit trail and the event outbox.</summary>
public sealed class DraftDbContext(DbContextOptions<DraftDbContext> options) : DbContext(options)
{
    public DbSet<DraftAccount> Accounts => Set<DraftAccount>();

    public DbSet<DraftRecord> Drafts => Set<DraftRecord>();

    public DbSet<DraftAuditEntry> Audit => Set<DraftAuditEntry>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DraftAccount>(account =>
        {
            account.ToTable("accounts");
            account.HasKey(a => a.Id);
            account.Property(a => a.EmailAddress).HasMaxLength(320);
            account.Property(a => a.ReplyMode).HasMaxLength(16);
            account.HasIndex(a => a.UserId);
        });

        modelBuilder.Entity<DraftRecord>(draft =>
        {
            draft.ToTable("drafts");
            draft.HasKey(d => d.Id);

            // Exactly one draft per message: a second row for the same message cannot exist.
            draft.HasIndex(d => new { d.AccountId, d.GmailMessageId }).IsUnique();
            draft.Property(d => d.GmailMessageId).HasMaxLength(64);
            draft.Property(d => d.ThreadId).HasMaxLength(64);
            draft.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            draft.Property(d => d.SkipReason).HasMaxLength(64);
            draft.Property(d => d.GmailDraftId).HasMaxLength(128);
            draft.Property(d => d.GmailDraftMessageId).HasMaxLength(64);
            draft.Property(d => d.RfcMessageId).HasMaxLength(256);
            draft.Property(d => d.Provider).HasMaxLength(64);
            draft.Property(d => d.Model).HasMaxLength(128);
            draft.Property(d => d.CostUsd).HasPrecision(18, 6);
        });

        modelBuilder.Entity<DraftAuditEntry>(audit =>
        {
            audit.ToTable("draft_audit");
            audit.HasKey(a => a.Id);
            audit.Property(a => a.Id).UseIdentityAlwaysColumn();
            audit.HasIndex(a => new { a.AccountId, a.GmailMessageId });
            audit.Property(a => a.GmailMessageId).HasMaxLength(64);
            audit.Property(a => a.FromStatus).HasConversion<string>().HasMaxLength(16);
            audit.Property(a => a.ToStatus).HasConversion<string>().HasMaxLength(16);
            audit.Property(a => a.Detail).HasMaxLength(500);
            audit.Property(a => a.CorrelationId).HasMaxLength(128);
        });

        modelBuilder.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable("outbox");
            outbox.HasKey(o => o.Id);
            outbox.Property(o => o.Id).UseIdentityAlwaysColumn();
            outbox.Property(o => o.EventType).HasMaxLength(100);
            outbox.Property(o => o.Payload).HasColumnType("jsonb");
        });
    }
}
