using System.Net.Mail;
using System.Text.Json.Serialization;
using GmailAutomation.Common.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>
/// Admin API of the emulator's OAuth server. Not part of Google's surface: it stands in for the Cloud
/// Console (registering clients) and lets tests and benchmarks get tokens without a browser.
/// </summary>
public static class EmulatorClientsApi
{
    public static IEndpointRouteBuilder MapEmulatorClientsApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/emulator").WithTags("Emulator admin: OAuth");

        admin.MapPost("/clients", RegisterClient).WithName("RegisterOAuthClient")
            .WithSummary("Registers (or replaces) an OAuth client with its exact redirect URIs.");
        admin.MapGet("/clients", ListClients).WithName("ListOAuthClients")
            .WithSummary("The registered OAuth clients (secrets omitted).");
        admin.MapPost("/tokens", MintTokens).WithName("MintTokens")
            .WithSummary("Mints an access and refresh token for an address without the consent flow. Not part of Google's API.");

        return app;
    }

    public static Created<ClientView> RegisterClient(ClientRegistration registration, OAuthClientRegistry clients)
    {
        var client = clients.Register(registration.ClientId ?? string.Empty, registration.ClientSecret ?? string.Empty, registration.RedirectUris ?? []);
        return TypedResults.Created($"/emulator/clients/{Uri.EscapeDataString(client.ClientId)}", ClientView.Of(client));
    }

    public static Ok<ClientView[]> ListClients(OAuthClientRegistry clients) =>
        TypedResults.Ok(clients.All.Select(ClientView.Of).ToArray());

    public static Ok<MintedTokens> MintTokens(MintRequest request, OAuthClientRegistry clients, OAuthGrantStore store, IEnumerable<IAccountProvisioner> provisioners)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || !MailAddress.TryCreate(request.Email.Trim(), out _))
        {
            throw new ValidationException("email", "email must be an email address.");
        }

        var (scopes, unknown) = GoogleScopes.Parse(string.Join(' ', request.Scopes ?? []));
        if (unknown.Count > 0)
        {
            throw new ValidationException("scopes", $"Unknown scopes: {string.Join(", ", unknown)}.");
        }

        if (scopes.Count == 0)
        {
            throw new ValidationException("scopes", "At least one scope is required, e.g. https://www.googleapis.com/auth/gmail.modify.");
        }

        var clientId = request.ClientId ?? OAuthClientRegistry.DefaultClientId;
        if (clients.Find(clientId) is null)
        {
            throw new NotFoundException("OAuth client", clientId);
        }

        var email = OAuthGrantStore.Normalize(request.Email);
        foreach (var provisioner in provisioners)
        {
            provisioner.EnsureMailbox(email);
        }

        var issued = store.Mint(email, scopes, clientId);
        return TypedResults.Ok(new MintedTokens(issued.AccessToken, issued.RefreshToken, issued.ExpiresIn, GoogleScopes.Join(issued.Scopes), "Bearer"));
    }
}

public sealed record ClientRegistration(
    [property: JsonPropertyName("client_id")] string? ClientId,
    [property: JsonPropertyName("client_secret")] string? ClientSecret,
    [property: JsonPropertyName("redirect_uris")] IReadOnlyList<string>? RedirectUris);

public sealed record ClientView(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("redirect_uris")] IReadOnlyList<string> RedirectUris,
    [property: JsonPropertyName("any_loopback_redirect")] bool AnyLoopbackRedirect)
{
    public static ClientView Of(OAuthClient client) => new(client.ClientId, client.RedirectUris, client.AllowsAnyLoopbackRedirect);
}

public sealed record MintRequest(
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string>? Scopes,
    [property: JsonPropertyName("client_id")] string? ClientId);

public sealed record MintedTokens(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("token_type")] string TokenType);
