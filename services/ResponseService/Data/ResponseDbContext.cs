using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ResponseService.Data;

/// <summary>responsedb: accounts with their preference snapshot, the replies written, AI calls (cost) and the event outbox.</summary>
public sealed class ResponseDbContext(DbContextOptions<ResponseDbContext> options) : DbContext(options)
{
    public DbSet<ReplyAccount> Accounts => Set<ReplyAccount>();

    public DbSet<GeneratedReply> Replies => Set<GeneratedReply>();

    public DbSet<AiCall> AiCalls => Set<AiCall>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ReplyAccount>(account =>
        {
            account.ToTable("accounts");
            account.HasKey(a => a.Id);
            account.Property(a => a.EmailAddress).HasMaxLength(320);
            account.HasIndex(a => a.UserId);
            account.Property(a => a.Tone).HasMaxLength(32);
            account.Property(a => a.Language).HasMaxLength(35);
            account.Property(a => a.Signature).HasMaxLength(2000);
            account.Property(a => a.AiProvider).HasMaxLength(64);
            account.Property(a => a.AiModel).HasMaxLength(128);
            account.Property(a => a.DailyAiSpendCapUsd).HasPrecision(12, 4);
            account.Property(a => a.Version).IsRowVersion();
        });

        modelBuilder.Entity<GeneratedReply>(reply =>
        {
            reply.ToTable("replies");
            reply.HasKey(r => r.Id);
            reply.Property(r => r.Id).UseIdentityAlwaysColumn();
            reply.Property(r => r.GmailMessageId).HasMaxLength(64);
            reply.Property(r => r.ThreadId).HasMaxLength(64);
            reply.Property(r => r.Category).HasMaxLength(64);
            reply.Property(r => r.Language).HasMaxLength(35);
            reply.Property(r => r.Provider).HasMaxLength(64);
            reply.Property(r => r.Model).HasMaxLength(128);
            reply.Property(r => r.CostUsd).HasPrecision(14, 8);
            reply.Property(r => r.FallbackReason).HasMaxLength(500);
            reply.Property(r => r.CorrelationId).HasMaxLength(128);

            // One reply per message: a redelivered or concurrent EmailClassified cannot write a second one.
            reply.HasIndex(r => new { r.AccountId, r.GmailMessageId }).IsUnique();
            reply.HasIndex(r => new { r.AccountId, r.CreatedAt });
        });

        modelBuilder.Entity<AiCall>(call =>
        {
            call.ToTable("ai_calls");
            call.HasKey(c => c.Id);
            call.Property(c => c.Id).UseIdentityAlwaysColumn();
            call.Property(c => c.GmailMessageId).HasMaxLength(64);
            call.Property(c => c.Provider).HasMaxLength(64);
            call.Property(c => c.Model).HasMaxLength(128);
            call.Property(c => c.Outcome).HasMaxLength(16);
            call.Property(c => c.CostUsd).HasPrecision(14, 8);
            call.HasIndex(c => new { c.AccountId, c.Day });
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
