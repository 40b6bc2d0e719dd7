using GmailAutomation.DraftService.Accounts;
using GmailAutomation.DraftService.Data;

namespace GmailAutomation.DraftService.Tests;

/// <summary>How the auth-service's account view updates the draft-service's copy.</summary>
public sealed class AccountTests
{
    [Fact]
    public void The_directory_view_sets_owner_and_address_and_only_newer_preferences()
    {
        var userId = Guid.NewGuid();
        var account = new DraftAccount { Id = Guid.NewGuid(), PreferencesRevision = 3, ReplyMode = ReplyModes.ReplyAll };

        new InternalAccount(account.Id, userId, "User@Example.com", "Active", new InternalPreferences("reply", DraftRepliesEnabled: false, Paused: true, Revision: 2))
            .ApplyTo(account);

        Assert.Equal(userId, account.UserId);
        Assert.Equal("user@example.com", account.EmailAddress);
        Assert.True(account.Connected);
        Assert.Equal(ReplyModes.ReplyAll, account.ReplyMode);
        Assert.True(account.DraftRepliesEnabled);
        Assert.False(account.Paused);

        new InternalAccount(account.Id, userId, "user@example.com", "Disconnected", new InternalPreferences("something-new", DraftRepliesEnabled: false, Paused: true, Revision: 4))
            .ApplyTo(account);

        Assert.False(account.Connected);
        Assert.Equal(ReplyModes.Reply, account.ReplyMode);
        Assert.False(account.DraftRepliesEnabled);
        Assert.True(account.Paused);
        Assert.Equal(4, account.PreferencesRevision);
    }
}
