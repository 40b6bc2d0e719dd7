using System.Globalization;
using GmailAutomation.GmailEmulator.Push;

namespace GmailAutomation.GmailEmulator.GmailApi.Handlers;

/// <summary>users.getProfile, users.watch, users.stop.</summary>
public static class ProfileHandlers
{
    public static ValueTask<GmailResult> GetProfile(GmailCall call)
    {
        var profile = call.Mailbox.Profile();
        return ValueTask.FromResult(GmailResult.Ok(new ProfileJson
        {
            EmailAddress = profile.Email,
            MessagesTotal = profile.MessagesTotal,
            ThreadsTotal = profile.ThreadsTotal,
            HistoryId = profile.HistoryId.ToString(CultureInfo.InvariantCulture),
        }));
    }

    public static ValueTask<GmailResult> Watch(GmailCall call)
    {
        var request = call.ReadJson<WatchRequestJson>("watch request");
        var watches = call.Services.GetRequiredService<IWatchRegistry>();
        var (historyId, expiration) = watches.Watch(
            call.Mailbox.Email,
            request.TopicName,
            request.LabelIds,
            request.LabelFilterBehavior ?? request.LabelFilterAction,
            call.Mailbox.HistoryId);
        return ValueTask.FromResult(GmailResult.Ok(new WatchResponseJson
        {
            HistoryId = historyId.ToString(CultureInfo.InvariantCulture),
            Expiration = expiration.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        }));
    }

    public static ValueTask<GmailResult> Stop(GmailCall call)
    {
        call.Services.GetRequiredService<IWatchRegistry>().Stop(call.Mailbox.Email);
        return ValueTask.FromResult(GmailResult.NoContent);
    }
}
