using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.IntegrationTests;

/// <summary>
/// Mail entering the system through the whole AppHost: a person connects a mailbox through auth-service and the
/// emulator's consent page, email-service syncs it, and the emulator's push delivery reaches email-service's webhook
/// as the AppHost wired it.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class MailSyncTests(AppHostFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private SyncEventRecorder _events = null!;
    private EmulatorAdmin _emulator = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var rabbit = await fixture.App.GetConnectionStringAsync("rabbitmq", timeout.Token)
            ?? throw new InvalidOperationException("rabbitmq has no connection string.");
        _events = await SyncEventRecorder.StartAsync(rabbit, timeout.Token);
        _emulator = new EmulatorAdmin(Emulator);
    }

    public async Task DisposeAsync()
    {
        _emulator.Dispose();
        await _events.DisposeAsync();
    }

    private Uri Emulator => fixture.App.GetEndpoint("gmail-emulator", "http");

    private Uri AuthService => fixture.App.GetEndpoint("auth-service", "http");

    [Fact]
    public async Task A_delivered_message_reaches_email_service_through_push_within_two_seconds()
    {
        var email = $"push.{Guid.NewGuid():N}"[..20] + "@example.test";
        using var browser = new MailboxBrowser();
        var (_, accountId) = await browser.SignInAndConnectAsync(AuthService, Emulator, email);
        await SyncEventRecorder.WaitUntilAsync(() => _events.Completed(accountId) == 1, Patience, "the initial sync");
        await SyncEventRecorder.WaitUntilAsync(() => _emulator.IsWatchedAsync(email).Result, Patience, "email-service's users.watch");

        // The watch's own first notification wakes a sync; let it pass so only the delivery below is measured.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var pushedBefore = await _emulator.PushesDeliveredAsync();
        var clock = Stopwatch.StartNew();
        var id = await _emulator.DeliverAsync(email, "through push");
        await SyncEventRecorder.WaitUntilAsync(() => _events.ReceivedIds(accountId).Contains(id), TimeSpan.FromSeconds(2), "EmailReceived through push");
        var took = clock.Elapsed;

        // Polling would take minutes (5 min by default, at least 30 s adaptive): it was the push that woke the sync.
        Assert.True(await _emulator.PushesDeliveredAsync() > pushedBefore, "the emulator delivered no push to email-service");
        Assert.Single(_events.ReceivedIds(accountId));
        Console.WriteLine($"push through the AppHost: delivered to EmailReceived in {took.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Killing_the_email_service_process_during_an_initial_sync_loses_no_message()
    {
        var email = $"crash.{Guid.NewGuid():N}"[..20] + "@example.test";
        await _emulator.CreateMailboxAsync(email);
        var now = DateTimeOffset.UtcNow;
        var imported = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            imported.Add(await _emulator.ImportAsync(email, $"m{i}", now.AddMinutes(-i * 5))));
        var seeded = imported.ToList();

        // Each page of the listing (100 messages) takes 2 s, so the kill lands in the middle of the window pass.
        await _emulator.PutFaultsAsync(new { latency = new { added = "00:00:02" }, methods = new[] { "messages.list" }, users = new[] { email } });
        try
        {
            using var browser = new MailboxBrowser();
            var (_, accountId) = await browser.SignInAndConnectAsync(AuthService, Emulator, email);
            await SyncEventRecorder.WaitUntilAsync(() => _events.ReceivedIds(accountId).Count >= 100, Patience, "the first page of the initial sync");

            var pid = ProcessId("email-service");
            using (var process = Process.GetProcessById(pid))
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            var beforeRestart = _events.ReceivedIds(accountId).Count;
            Assert.True(beforeRestart < seeded.Count, "the sync finished before the kill; the test proves nothing");
            Assert.Equal(0, _events.Completed(accountId));

            using var timeout = new CancellationTokenSource(Patience);
            await fixture.App.ResourceNotifications.WaitForResourceAsync(
                "email-service", state => state.Snapshot.State?.Text is "Exited" or "Finished" or "FailedToStart", timeout.Token);
            await _emulator.ClearFaultsAsync();
            var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
            var started = await commands.ExecuteCommandAsync("email-service", KnownResourceCommands.StartCommand, timeout.Token);
            Assert.True(started.Success, started.Message);
            await fixture.App.ResourceNotifications.WaitForResourceAsync(
                "email-service", state => state.Snapshot.State?.Text == KnownResourceStates.Running && Pid(state.Snapshot) is { } running && running != pid, timeout.Token);
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("email-service", timeout.Token);

            await SyncEventRecorder.WaitUntilAsync(() => _events.Completed(accountId) == 1, Patience, "SyncCompleted after the restart");
            await Task.Delay(500);
            var received = _events.ReceivedIds(accountId);
            Assert.Equal(seeded.ToHashSet(), received.ToHashSet());
            var duplicates = received.Count - received.Distinct().Count();

            // At most the page in flight at the kill comes again (a batch of 100 by default); downstream dedupes by id.
            Assert.InRange(duplicates, 0, 100);
            Console.WriteLine($"process kill: {beforeRestart} published before the kill, {received.Count} events in all, {duplicates} duplicates");
        }
        finally
        {
            await _emulator.ClearFaultsAsync();
        }
    }

    private int ProcessId(string resource)
    {
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(resource, out var state), $"{resource} is unknown");
        var pid = Pid(state.Snapshot);
        Assert.NotNull(pid);
        return pid.Value;
    }

    /// <summary>The process DCP started for the resource (for a project, its <c>dotnet run</c>).</summary>
    private static int? Pid(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
