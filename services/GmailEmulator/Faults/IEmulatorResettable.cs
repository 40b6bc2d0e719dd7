namespace GmailAutomation.GmailEmulator.Hosting;

/// <summary>
/// State that <c>POST /emulator/reset</c> returns to how it was at start-up. Every Google-side service (OAuth
/// grants and clients, quota buckets, faults, watches and push subscriptions) registers itself under this
/// interface, so the reset endpoint can call all of them: <c>foreach (var r in services.GetServices&lt;IEmulatorResettable&gt;()) r.Reset();</c>
/// </summary>
public interface IEmulatorResettable
{
    void Reset();
}
