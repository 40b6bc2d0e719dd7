using GmailAutomation.Data;
using GmailAutomation.AuthService;
using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.Data;
using GmailAutomation.AuthService.Google;
using GmailAutomation.AuthService.OAuth;
using GmailAutomation.AuthService.Outbox;
using GmailAutomation.AuthService.Tokens;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static class ApplicationServiceExtensions
{
    /// <summary>Data Protection's application name: every replica must use the same one to read each other's ciphertexts.</summary>
    public const string DataProtectionApplicationName = "gmail-automation-auth-service";

    /// <summary>Where the Data Protection key ring lives in Redis, shared by every replica.</summary>
    public const string DataProtectionKeysKey = "auth:data-protection-keys";

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        builder.AddRedisClient("redis");
        builder.AddNpgsqlDbContext<AuthDbContext>("authdb");
        builder.AddRabbitMqEventBus("rabbitmq");

        services.AddOptions<GoogleOAuthOptions>().BindConfiguration(GoogleOAuthOptions.SectionName)
            .PostConfigure<IConfiguration>((google, configuration) =>
            {
                // The Gmail root the other services use (the emulator in the AppHost) unless configured here.
                if (google.GmailApiBaseUrl is null && Uri.TryCreate(configuration["Gmail:BaseUrl"], UriKind.Absolute, out var gmail))
                {
                    google.GmailApiBaseUrl = gmail;
                }
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthServiceOptions>().BindConfiguration(AuthServiceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddUserIdentity();
        services.AddInternalServiceAuthentication();

        // Tokens are encrypted with a key ring that every replica shares through Redis.
        services.AddDataProtection().SetApplicationName(DataProtectionApplicationName);
        services.AddSingleton<KeyRingEncryptionKey>();
        services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer, KeyRingEncryptionKey>((keys, redis, keyRingKey) =>
        {
            keys.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), DataProtectionKeysKey);
            keys.XmlEncryptor = new AesGcmXmlEncryptor(keyRingKey);
        });

        // Behind the gateway, the callback URL must use the host and scheme the browser saw.
        services.Configure<ForwardedHeadersOptions>(forwarded =>
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost);

        services.AddHttpClient<GoogleOAuthClient>();
        services.AddSingleton<TokenStore>();
        services.AddSingleton<RedisLock>();
        services.AddSingleton<AccountDirectory>();
        services.AddSingleton<AuthorizationStateStore>();
        services.AddSingleton<AuthMetrics>();
        services.AddSingleton<OutboxSignal>();
        services.AddScoped<AccountService>();
        services.AddScoped<AccessTokenService>();
        services.AddScoped<OAuthFlowService>();

        services.AddHostedService<DatabaseMigrator<AuthDbContext>>();
        services.AddSingleton<OutboxPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxPublisher>());

        return builder;
    }
}
