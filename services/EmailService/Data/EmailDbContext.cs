using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.EmailService.Data;

/// <summary>emaildb: accounts with their sync checkpoints, processed message ids and the event outbox.</summary>
public sealed class EmailDbContext(DbContextOptions<EmailDbContext> options) : DbContext(options)
{
    public DbSet<SyncAccount> Accounts => Set<SyncAccount>();

    public DbSet<ProcessedMessage> ProcessedMessages => Set<ProcessedMessage>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<SyncAccount>(account =>
        {
            account.ToTable("accounts");
            account.HasKey(a => a.Id);
            account.Property(a => a.EmailAddress).HasMaxLength(320);
            account.HasIndex(a => a.EmailAddress);
            account.HasIndex(a => a.UserId);
            account.Property(a => a.Phase).HasConversion<string>().HasMaxLength(16);
            account.Property(a => a.PageToken).HasMaxLength(512);
            account.Property(a => a.LastError).HasMaxLength(2000);
            account.Property(a => a.LastResyncReason).HasMaxLength(200);
        });

        modelBuilder.Entity<ProcessedMessage>(processed =>
        {
            processed.ToTable("processed_messages");
            processed.HasKey(p => new { p.AccountId, p.MessageId });
            processed.Property(p => p.MessageId).HasMaxLength(64);
        });

        modelBuilder.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable("outbox");
            outbox.HasKey(o => o.Id);
            outbox.Property(o => o.Id).UseIdentityAlwaysColumn();
            outbox.Property(o => o.EventType).HasMaxLength(100);
            outbox.Property(o => o.Payload).HasColumnType("jsonb");
            outbox.HasIndex(o => new { o.AccountId, o.Id });
        });
    }
}
