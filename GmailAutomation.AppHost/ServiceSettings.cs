using GmailAutomation.AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace GmailAutomation.AppHost;

/// <summary>Secrets every service shares: the internal identity token key and the key of /internal routes.</summary>
internal sealed record ServiceSecrets(
    IResourceBuilder<ParameterResource> IdentitySigningKey,
    IResourceBuilder<ParameterResource> InternalServiceKey);

internal static class ServiceSettingsExtensions
{
    // The emulator's built-in loopback OAuth client.
    private const string EmulatorClientId = "gmail-automation-local";
    private const string EmulatorClientSecret = "local-secret";

    /// <summary>Generated once (kept with the data in run mode, like the backing services' passwords).</summary>
    public static ServiceSecrets AddServiceSecrets(this IDistributedApplicationBuilder builder, BackingServices infra) =>
        new(builder.AddGeneratedSecret("identity-signing-key", infra.Data, minLength: 48),
            builder.AddGeneratedSecret("internal-service-key", infra.Data, minLength: 48));

    public static IResourceBuilder<ProjectResource> WithServiceSecrets(this IResourceBuilder<ProjectResource> project, ServiceSecrets secrets) =>
        project
            .WithEnvironment("Identity__SigningKey", secrets.IdentitySigningKey)
            .WithEnvironment("Internal__ServiceKey", secrets.InternalServiceKey);

    /// <summary>
    /// Gmail push for email-service. The token the Pub/Sub push subscription puts in the webhook URL
    /// (<c>?token=</c>), which the webhook checks, is generated once like the other secrets. With the emulator, its
    /// push delivery (<c>Emulator:Push:Endpoint</c>) is pointed at email-service's <c>/api/push/gmail</c> on
    /// whatever port it gets, and push is switched on. With real Google, push needs a Cloud Pub/Sub topic and a
    /// push subscription to a public URL, so email-service stays on polling.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPush(
        this IResourceBuilder<ProjectResource> email, IResourceBuilder<ProjectResource> gmail, BackingServices infra)
    {
        var token = email.ApplicationBuilder.AddGeneratedSecret("email-push-token", infra.Data, minLength: 32);
        email.WithEnvironment("EmailSync__PushToken", token);
        if (UsesRealGoogle(email.ApplicationBuilder))
        {
            return email;
        }

        gmail.WithEnvironment("Emulator__Push__Endpoint", ReferenceExpression.Create($"{email.GetEndpoint("http")}/api/push/gmail?token={token}"));
        return email.WithEnvironment("EmailSync__PushEnabled", "true");
    }

    /// <summary>
    /// Gmail API calls go to the emulator unless the AppHost is given a real Google OAuth client
    /// (<c>Google:ClientId</c> and <c>Google:ClientSecret</c>, e.g. in user secrets).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGmail(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<ProjectResource> gmail)
    {
        project.WithReference(gmail).WaitFor(gmail);
        if (UsesRealGoogle(project.ApplicationBuilder))
        {
            return project
                .WithEnvironment("Gmail__ClientId", project.ApplicationBuilder.Configuration["Google:ClientId"])
                .WithEnvironment("Gmail__ClientSecret", GoogleClientSecret(project.ApplicationBuilder));
        }

        var emulator = gmail.GetEndpoint("http");
        return project
            .WithEnvironment("Gmail__BaseUrl", emulator)
            .WithEnvironment("Gmail__TokenEndpoint", ReferenceExpression.Create($"{emulator}/token"))
            .WithEnvironment("Gmail__ClientId", EmulatorClientId)
            .WithEnvironment("Gmail__ClientSecret", EmulatorClientSecret);
    }

    /// <summary>
    /// In run mode the emulator starts with the demo mailbox (<c>demo@gmail-automation.local</c>), so a person can
    /// connect it through the browser right away.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDemoMailbox(this IResourceBuilder<ProjectResource> gmail) =>
        gmail.ApplicationBuilder.ExecutionContext.IsRunMode ? gmail.WithEnvironment("Emulator__Seed__Demo", "true") : gmail;

    /// <summary>The auth-service's OAuth client: Google's when configured, otherwise the emulator's.</summary>
    public static IResourceBuilder<ProjectResource> WithGoogleOAuth(
        this IResourceBuilder<ProjectResource> auth, IResourceBuilder<ProjectResource> gmail)
    {
        if (UsesRealGoogle(auth.ApplicationBuilder))
        {
            return auth
                .WithEnvironment("Google__ClientId", auth.ApplicationBuilder.Configuration["Google:ClientId"])
                .WithEnvironment("Google__ClientSecret", GoogleClientSecret(auth.ApplicationBuilder));
        }

        var emulator = gmail.GetEndpoint("http");
        return auth
            .WithEnvironment("Google__ClientId", EmulatorClientId)
            .WithEnvironment("Google__ClientSecret", EmulatorClientSecret)
            .WithEnvironment("Google__AuthorizationEndpoint", ReferenceExpression.Create($"{emulator}/o/oauth2/v2/auth"))
            .WithEnvironment("Google__TokenEndpoint", ReferenceExpression.Create($"{emulator}/token"))
            .WithEnvironment("Google__RevocationEndpoint", ReferenceExpression.Create($"{emulator}/revoke"))
            .WithEnvironment("Google__UserInfoEndpoint", ReferenceExpression.Create($"{emulator}/oauth2/v3/userinfo"));
    }

    /// <summary>
    /// The response-service's AI providers come from the AppHost's own <c>Ai</c> section (for example
    /// <c>eng/run.sh --Ai:DefaultProvider=openai-compatible --Ai:Providers:openai-compatible:BaseUrl=…</c>, or
    /// <c>Ai__…</c> environment variables), passed through unchanged. API keys become secret parameters: masked in
    /// the dashboard, never written into the manifest. Without any, the offline template provider writes the replies.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAiProviders(this IResourceBuilder<ProjectResource> response)
    {
        var builder = response.ApplicationBuilder;
        foreach (var (key, value) in builder.Configuration.GetSection("Ai").AsEnumerable())
        {
            if (value is null)
            {
                continue;
            }

            var variable = key.Replace(":", "__", StringComparison.Ordinal);
            var parts = key.Split(':');
            if (parts is ["Ai", "Providers", var provider, var setting] && setting.Equals("ApiKey", StringComparison.OrdinalIgnoreCase))
            {
                var name = $"ai-{provider.ToLowerInvariant()}-api-key";
                var parameter = builder.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == name) is { } existing
                    ? builder.CreateResourceBuilder(existing)
                    : builder.AddParameterFromConfiguration(name, key, secret: true);
                response.WithEnvironment(variable, parameter);
            }
            else
            {
                response.WithEnvironment(variable, value);
            }
        }

        return response;
    }

    private static bool UsesRealGoogle(IDistributedApplicationBuilder builder) =>
        !string.IsNullOrEmpty(builder.Configuration["Google:ClientId"]);

    private static IResourceBuilder<ParameterResource> GoogleClientSecret(IDistributedApplicationBuilder builder) =>
        builder.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == "google-client-secret") is { } existing
            ? builder.CreateResourceBuilder(existing)
            : builder.AddParameterFromConfiguration("google-client-secret", "Google:ClientSecret", secret: true);
}
