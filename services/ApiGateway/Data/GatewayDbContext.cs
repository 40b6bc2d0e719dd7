using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ApiGateway.Data;

/// <summary>auditdb: the audit log, which user owns which account, and personal API tokens.</summary>
public sealed class GatewayDbContext(DbContextOptions<GatewayDbContext> options) : DbContext(options)
{
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<AccountOwner> AccountOwners => Set<AccountOwner>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AuditEntry>(entry =>
        {
            entry.ToTable("audit_entries");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.Id).UseIdentityAlwaysColumn();
            // One entry per event and account: an event about a user (their rules) is written to each of their accounts,
            // and a redelivered event adds nothing. NULLS NOT DISTINCT keeps an entry without an account unique too.
            entry.HasIndex(e => new { e.EventId, e.AccountId }).IsUnique().AreNullsDistinct(false);
            entry.Property(e => e.EventType).HasMaxLength(100);
            entry.Property(e => e.Action).HasMaxLength(64);
            entry.Property(e => e.AccountEmail).HasMaxLength(320);
            entry.Property(e => e.MessageId).HasMaxLength(64);
            entry.Property(e => e.ThreadId).HasMaxLength(64);
            entry.Property(e => e.Before).HasColumnType("jsonb");
            entry.Property(e => e.After).HasColumnType("jsonb");
            entry.Property(e => e.DecidedBy).HasMaxLength(200);
            entry.Property(e => e.CorrelationId).HasMaxLength(128);
            // Newest first per account, filtered by action or message; per user; and by age for retention.
            entry.HasIndex(e => new { e.AccountId, e.Id });
            entry.HasIndex(e => new { e.AccountId, e.Action });
            entry.HasIndex(e => new { e.AccountId, e.MessageId });
            entry.HasIndex(e => new { e.UserId, e.Id });
            entry.HasIndex(e => e.OccurredAt);
        });

        modelBuilder.Entity<AccountOwner>(owner =>
        {
            owner.ToTable("account_owners");
            owner.HasKey(o => o.AccountId);
            owner.HasIndex(o => o.UserId);
            owner.Property(o => o.EmailAddress).HasMaxLength(320);
            owner.Property(o => o.Preferences).HasColumnType("jsonb");
        });

        modelBuilder.Entity<ApiToken>(token =>
        {
            token.ToTable("api_tokens");
            token.HasKey(t => t.Id);
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.UserId);
            token.Property(t => t.Email).HasMaxLength(320);
            token.Property(t => t.Name).HasMaxLength(100);
            token.Property(t => t.DisplayPrefix).HasMaxLength(16);
        });
    }
}
