using System.Collections.Concurrent;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.GmailEmulator.Tests.Support;

/// <summary>
/// Test-only implementations of the emulator's Google-side seams, registered only while the product does not
/// register its own (the OAuth server, quota, faults and push are built in parallel). Once the product
/// registers a seam, the product's implementation is used.
/// </summary>
internal static class InterimSeams
{
    public static void AddWhereMissing(IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(IAccessTokenValidator)))
        {
            services.AddSingleton<IAccessTokenValidator, TokenValidator>();
        }

        if (!services.Any(d => d.ServiceType == typeof(IQuotaGate)))
        {
            services.AddSingleton<IQuotaGate, UnlimitedQuota>();
        }

        if (!services.Any(d => d.ServiceType == typeof(IFaultInjector)))
        {
            services.AddSingleton<IFaultInjector, NoFaults>();
        }

        if (!services.Any(d => d.ServiceType == typeof(IMailboxChangeListener)))
        {
            services.AddSingleton<IMailboxChangeListener, RecordingListener>();
        }
    }

    internal sealed class TokenValidator : IAccessTokenValidator
    {
        private readonly ConcurrentDictionary<string, AccessTokenGrant> _grants = new();

        public string Issue(string email, IEnumerable<string> scopes)
        {
            var token = "ya29.test-" + Guid.NewGuid().ToString("N");
            _grants[token] = new AccessTokenGrant(email, new HashSet<string>(scopes), DateTimeOffset.MaxValue);
            return token;
        }

        public AccessTokenGrant? Validate(string accessToken) => _grants.GetValueOrDefault(accessToken);
    }

    private sealed class UnlimitedQuota : IQuotaGate
    {
        public (QuotaDecision Decision, IDisposable? Lease) TryAcquire(string email, int units) => (QuotaDecision.Allowed, null);
    }

    private sealed class NoFaults : IFaultInjector
    {
        public ValueTask<InjectedFault?> BeforeCallAsync(string email, string method, CancellationToken cancellationToken) => ValueTask.FromResult<InjectedFault?>(null);

        public bool HistoryExpired => false;
    }

    internal sealed class RecordingListener : IMailboxChangeListener
    {
        public ConcurrentQueue<(string Email, ulong HistoryId)> Notifications { get; } = new();

        public void OnHistoryRecorded(string email, ulong historyId, IReadOnlyCollection<string> labelIds) =>
            Notifications.Enqueue((email, historyId));
    }
}
