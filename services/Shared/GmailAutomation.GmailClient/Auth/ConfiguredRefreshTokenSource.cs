using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailClient.Auth;

/// <summary>Refresh tokens from configuration <c>Gmail:RefreshTokens:&lt;address&gt;</c> (development, load tests).</summary>
public sealed class ConfiguredRefreshTokenSource(IOptionsMonitor<GmailClientOptions> options) : IGmailRefreshTokenSource
{
    public ValueTask<string?> GetRefreshTokenAsync(string account, CancellationToken cancellationToken)
    {
        var tokens = options.CurrentValue.RefreshTokens;
        var token = tokens.FirstOrDefault(pair => string.Equals(pair.Key, account, StringComparison.OrdinalIgnoreCase)).Value;
        return ValueTask.FromResult<string?>(token);
    }
}
