using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ClassificationService.Data;

/// <summary>
/// classificationdb: users' rules, settings and categories; the accounts seen and their label map; processed
/// messages (idempotency + dry-run features), classification history, corrections, account models and the outbox.
/// </summary>
public sealed class ClassificationDbContext(DbContextOptions<ClassificationDbContext> options) : DbContext(options)
{
    public DbSet<UserSettings> UserSettings => Set<UserSettings>();

    public DbSet<UserRule> Rules => Set<UserRule>();

    public DbSet<UserCategory> Categories => Set<UserCategory>();

    public DbSet<KnownAccount> Accounts => Set<KnownAccount>();

    public DbSet<ProcessedMessage> ProcessedMessages => Set<ProcessedMessage>();

    public DbSet<ClassificationRecord> History => Set<ClassificationRecord>();

    public DbSet<Correction> Corrections => Set<Correction>();

    public DbSet<AccountLabel> Labels => Set<AccountLabel>();

    public DbSet<AccountModel> AccountModels => Set<AccountModel>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserSettings>(settings =>
        {
            settings.ToTable("user_settings");
            settings.HasKey(s => s.UserId);
            settings.Property(s => s.LabelParent).HasMaxLength(200);
        });

        modelBuilder.Entity<UserRule>(rule =>
        {
            rule.ToTable("rules");
            rule.HasKey(r => r.Id);
            rule.HasIndex(r => new { r.UserId, r.Position });
            rule.Property(r => r.Definition).HasColumnType("jsonb");
        });

        modelBuilder.Entity<UserCategory>(category =>
        {
            category.ToTable("categories");
            category.HasKey(c => new { c.UserId, c.Name });
            category.Property(c => c.Name).HasMaxLength(40);
        });

        modelBuilder.Entity<KnownAccount>(account =>
        {
            account.ToTable("accounts");
            account.HasKey(a => a.Id);
            account.HasIndex(a => a.UserId);
            account.Property(a => a.EmailAddress).HasMaxLength(320);
        });

        modelBuilder.Entity<ProcessedMessage>(processed =>
        {
            processed.ToTable("processed_messages");
            processed.HasKey(p => new { p.AccountId, p.GmailMessageId });
            processed.Property(p => p.GmailMessageId).HasMaxLength(64);
            processed.Property(p => p.ThreadId).HasMaxLength(64);
            processed.Property(p => p.Category).HasMaxLength(40);
            processed.Property(p => p.Features).HasColumnType("jsonb");
            processed.HasIndex(p => new { p.AccountId, p.ProcessedAt });
            // The activity list: an account's messages newest received first, read a page at a time.
            processed.HasIndex(p => new { p.AccountId, p.InternalDate });
        });

        modelBuilder.Entity<ClassificationRecord>(record =>
        {
            record.ToTable("classification_history");
            record.HasKey(r => r.Id);
            record.Property(r => r.Id).UseIdentityAlwaysColumn();
            record.Property(r => r.GmailMessageId).HasMaxLength(64);
            record.Property(r => r.Source).HasMaxLength(16);
            record.Property(r => r.Category).HasMaxLength(40);
            record.Property(r => r.DecidedBy).HasMaxLength(16);
            record.Property(r => r.RuleId).HasMaxLength(64);
            record.Property(r => r.ModelVersion).HasMaxLength(200);
            record.Property(r => r.ModelCategory).HasMaxLength(40);
            record.Property(r => r.NeedsReplyReason).HasMaxLength(500);
            record.HasIndex(r => new { r.AccountId, r.GmailMessageId });
        });

        modelBuilder.Entity<Correction>(correction =>
        {
            correction.ToTable("corrections");
            correction.HasKey(c => c.Id);
            correction.Property(c => c.Id).UseIdentityAlwaysColumn();
            correction.Property(c => c.GmailMessageId).HasMaxLength(64);
            correction.Property(c => c.PreviousCategory).HasMaxLength(40);
            correction.Property(c => c.Category).HasMaxLength(40);
            correction.Property(c => c.TrainedInModelVersion).HasMaxLength(200);
            correction.HasIndex(c => new { c.AccountId, c.GmailMessageId });
        });

        modelBuilder.Entity<AccountLabel>(label =>
        {
            label.ToTable("account_labels");
            label.HasKey(l => new { l.AccountId, l.Name });
            label.Property(l => l.Name).HasMaxLength(225);
            label.Property(l => l.LabelId).HasMaxLength(100);
        });

        modelBuilder.Entity<AccountModel>(model =>
        {
            model.ToTable("account_models");
            model.HasKey(m => m.Id);
            model.HasIndex(m => new { m.AccountId, m.Active });
            model.Property(m => m.Version).HasMaxLength(200);
            model.Property(m => m.Metadata).HasColumnType("jsonb");
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
