using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.AuthService.Data;

/// <summary>The auth-service's database (<c>authdb</c>): users, connected accounts, preferences and the outbox.</summary>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<ConnectedAccount> Accounts => Set<ConnectedAccount>();

    public DbSet<AccountPreferencesEntity> Preferences => Set<AccountPreferencesEntity>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("users");
            user.HasKey(u => u.Id);
            user.Property(u => u.GoogleSubject).HasMaxLength(255);
            user.HasIndex(u => u.GoogleSubject).IsUnique();
            user.Property(u => u.Email).HasMaxLength(320);
            user.Property(u => u.DisplayName).HasMaxLength(200);
        });

        modelBuilder.Entity<ConnectedAccount>(account =>
        {
            account.ToTable("connected_accounts");
            account.HasKey(a => a.Id);
            account.Property(a => a.EmailAddress).HasMaxLength(320);
            account.HasIndex(a => a.EmailAddress).IsUnique();
            account.HasIndex(a => a.UserId);
            account.Property(a => a.GoogleSubject).HasMaxLength(255);
            account.Property(a => a.Status).HasConversion<string>().HasMaxLength(32);
            account.Property(a => a.StatusReason).HasMaxLength(64);
            account.Property(a => a.GrantedScopes).HasMaxLength(2000);
            account.HasOne(a => a.User).WithMany(u => u.Accounts).HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
            account.HasOne(a => a.Preferences).WithOne().HasForeignKey<AccountPreferencesEntity>(p => p.AccountId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AccountPreferencesEntity>(preferences =>
        {
            preferences.ToTable("account_preferences");
            preferences.HasKey(p => p.AccountId);
            preferences.Property(p => p.AiProvider).HasMaxLength(32);
            preferences.Property(p => p.AiModel).HasMaxLength(PreferenceRules.MaxAiModelLength);
            preferences.Property(p => p.Tone).HasMaxLength(32);
            preferences.Property(p => p.ReplyLanguage).HasMaxLength(35);
            preferences.Property(p => p.Signature).HasMaxLength(PreferenceRules.MaxSignatureLength);
            preferences.Property(p => p.ReplyMode).HasMaxLength(16);
            preferences.Property(p => p.DailyAiSpendCapUsd).HasPrecision(10, 2);
            preferences.Property(p => p.Revision).IsConcurrencyToken();
        });

        modelBuilder.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable("outbox_messages");
            outbox.HasKey(m => m.Id);
            outbox.Property(m => m.EventType).HasMaxLength(200);
            outbox.Property(m => m.Payload).HasColumnType("jsonb");
            outbox.Property(m => m.LastError).HasMaxLength(2000);
            // The publisher looks for unpublished messages in creation order.
            outbox.HasIndex(m => m.CreatedAt).HasFilter("\"PublishedAt\" IS NULL");
        });
    }
}
