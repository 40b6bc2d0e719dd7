using System.Collections.Concurrent;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>An OAuth client as Google's console would hold it.</summary>
/// <param name="AllowsAnyLoopbackRedirect">
/// Desktop-app clients accept any <c>http://localhost:*</c> / <c>http://127.0.0.1:*</c> redirect, whatever the port and path.
/// </param>
public sealed record OAuthClient(string ClientId, string ClientSecret, IReadOnlyList<string> RedirectUris, bool AllowsAnyLoopbackRedirect)
{
    /// <summary>Google compares redirect URIs exactly (scheme, host, port, path, case of the path).</summary>
    public bool AcceptsRedirectUri(string redirectUri)
    {
        if (RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
        {
            return true;
        }

        return AllowsAnyLoopbackRedirect
            && Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)
            && uri.Scheme == Uri.UriSchemeHttp
            && string.IsNullOrEmpty(uri.Fragment)
            && uri.IsLoopback
            && (uri.Host is "localhost" or "127.0.0.1" or "[::1]");
    }
}

/// <summary>The clients the emulator knows: the default loopback client, configured ones and ones registered at run time.</summary>
public sealed class OAuthClientRegistry : IEmulatorResettable
{
    public const string DefaultClientId = "gmail-automation-local";
    public const string DefaultClientSecret = "local-secret";

    private readonly ConcurrentDictionary<string, OAuthClient> _clients = new(StringComparer.Ordinal);
    private readonly IOptions<OAuthEmulatorOptions> _options;

    public OAuthClientRegistry(IOptions<OAuthEmulatorOptions> options)
    {
        _options = options;
        AddStartupClients();
    }

    public OAuthClient? Find(string? clientId) =>
        clientId is not null && _clients.TryGetValue(clientId, out var client) ? client : null;

    public IReadOnlyList<OAuthClient> All => [.. _clients.Values.OrderBy(c => c.ClientId, StringComparer.Ordinal)];

    /// <summary>Registers or replaces a client. Redirect URIs must be absolute http(s) URIs without fragments.</summary>
    public OAuthClient Register(string clientId, string clientSecret, IEnumerable<string> redirectUris)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(clientId))
        {
            errors["client_id"] = ["client_id is required."];
        }

        if (string.IsNullOrWhiteSpace(clientSecret))
        {
            errors["client_secret"] = ["client_secret is required."];
        }

        var uris = redirectUris.ToList();
        var badUris = uris.Where(u => !Uri.TryCreate(u, UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(parsed.Fragment)).ToList();
        if (badUris.Count > 0)
        {
            errors["redirect_uris"] = [.. badUris.Select(u => $"'{u}' is not an absolute http(s) URI without a fragment.")];
        }

        if (clientId == DefaultClientId)
        {
            errors["client_id"] = [$"'{DefaultClientId}' is the built-in client and cannot be replaced."];
        }

        if (errors.Count > 0)
        {
            throw new ValidationException("The client registration is invalid.", errors);
        }

        var client = new OAuthClient(clientId, clientSecret, uris, AllowsAnyLoopbackRedirect: false);
        _clients[clientId] = client;
        return client;
    }

    public void Reset()
    {
        _clients.Clear();
        AddStartupClients();
    }

    private void AddStartupClients()
    {
        _clients[DefaultClientId] = new OAuthClient(DefaultClientId, DefaultClientSecret, [], AllowsAnyLoopbackRedirect: true);
        foreach (var configured in _options.Value.Clients)
        {
            _clients[configured.ClientId] = new OAuthClient(configured.ClientId, configured.ClientSecret, [.. configured.RedirectUris], AllowsAnyLoopbackRedirect: false);
        }
    }
}
