using System.Globalization;
using System.Threading.RateLimiting;
using GmailAutomation.ApiGateway.Identity;
using GmailAutomation.Common.Errors;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static class GatewayIdentityExtensions
{
    /// <summary>The scheme that picks the session cookie or an API token, whichever the request carries.</summary>
    public const string GatewayScheme = "Gateway";

    public const string AntiforgeryHeaderName = "X-XSRF-TOKEN";

    /// <summary>Where the Data Protection key ring of every gateway replica lives (cookies must open on any replica).</summary>
    public const string DataProtectionKeysKey = "gateway:data-protection-keys";

    /// <summary>
    /// Who is calling: a cookie session (started after Google sign-in through the auth-service, HttpOnly,
    /// SameSite=Lax, Secure on HTTPS, anti-forgery on state changes) or a personal API token
    /// (<c>Authorization: Bearer gma_…</c>); and how often they may call (per user, per token, per address).
    /// </summary>
    public static IHostApplicationBuilder AddGatewayIdentity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddUserIdentity();

        // Session cookies are encrypted with a key ring every replica shares through Redis.
        services.AddDataProtection().SetApplicationName("gmail-automation-api-gateway");
        services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer>((keys, redis) =>
            keys.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), DataProtectionKeysKey));
        services.AddScoped<ApiTokenService>();

        services.AddAuthentication(GatewayScheme)
            .AddPolicyScheme(GatewayScheme, "Session cookie or API token", policy =>
                policy.ForwardDefaultSelector = context =>
                    ApiTokenAuthenticationHandler.BearerToken(context.Request) is not null
                        ? ApiTokenAuthenticationHandler.SchemeName
                        : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, cookie =>
            {
                cookie.Cookie.Name = GatewayCookies.Session;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.Cookie.IsEssential = true;
                cookie.LoginPath = "/api/auth/signin";
                cookie.SlidingExpiration = false;
                cookie.Events.OnRedirectToLogin = context => ApiOrRedirect(context, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => ApiOrRedirect(context, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();

        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = AntiforgeryHeaderName;
            antiforgery.Cookie.Name = GatewayCookies.Antiforgery;
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        services.AddOptions<GatewayRateLimitOptions>()
            .BindConfiguration(GatewayRateLimitOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(PerCallerLimiter(), PerTokenLimiter());
            limiter.OnRejected = WriteTooManyRequestsAsync;
        });

        return builder;
    }

    /// <summary>Authentication, anti-forgery for cookie sessions, rate limits, authorization — in that order.</summary>
    public static WebApplication UseGatewayIdentity(this WebApplication app)
    {
        app.UseAuthentication();
        app.Use(RequireAntiforgeryForSessions);
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// A state-changing request that rides on the session cookie must also carry the anti-forgery token (header
    /// <see cref="AntiforgeryHeaderName"/>, or the form field of a page's form): a cookie alone could have been
    /// sent by another site. API tokens are not sent by browsers on their own and need no such proof.
    /// </summary>
    private static async Task RequireAntiforgeryForSessions(HttpContext context, Func<Task> next)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
            && !HttpMethods.IsOptions(context.Request.Method) && !HttpMethods.IsTrace(context.Request.Method)
            && GatewayCaller.From(context.User) is { IsSession: true })
        {
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                throw new ValidationException(
                    "antiforgery",
                    $"This change needs the anti-forgery token: send the 'antiforgeryToken' from GET /api/session in the {AntiforgeryHeaderName} header.");
            }
        }

        await next();
    }

    private static Task ApiOrRedirect(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>One budget per signed-in user (session and tokens together), one per client address for anonymous calls.</summary>
    private static PartitionedRateLimiter<HttpContext> PerCallerLimiter() =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (IsExempt(context.Request.Path))
            {
                return RateLimitPartition.GetNoLimiter("exempt");
            }

            var options = Options(context);
            return GatewayCaller.From(context.User) is { } caller
                ? RateLimitPartition.GetFixedWindowLimiter("user:" + caller.UserId, _ => Window(options.UserPermitLimit, options.Window))
                : RateLimitPartition.GetFixedWindowLimiter("address:" + context.Connection.RemoteIpAddress, _ => Window(options.AnonymousPermitLimit, options.Window));
        });

    /// <summary>A second, usually smaller budget per API token, so one runaway script cannot use up its owner's.</summary>
    private static PartitionedRateLimiter<HttpContext> PerTokenLimiter() =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (IsExempt(context.Request.Path) || GatewayCaller.From(context.User) is not { ApiTokenId: { } tokenId })
            {
                return RateLimitPartition.GetNoLimiter("no-token");
            }

            var options = Options(context);
            return RateLimitPartition.GetFixedWindowLimiter("token:" + tokenId, _ => Window(options.TokenPermitLimit, options.Window));
        });

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static GatewayRateLimitOptions Options(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptionsMonitor<GatewayRateLimitOptions>>().CurrentValue;

    /// <summary>Health, liveness and metrics answer orchestrators and scrapers, never limited.</summary>
    private static bool IsExempt(PathString path) =>
        path.StartsWithSegments(Extensions.HealthEndpointPath)
        || path.StartsWithSegments(Extensions.AlivenessEndpointPath)
        || path.StartsWithSegments(Extensions.MetricsEndpointPath);

    private static async ValueTask WriteTooManyRequestsAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Options(http).Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Type = "https://gmail-automation.dev/problems/rate-limited",
                Title = "Too many requests",
                Detail = $"The request rate limit was reached; try again in {seconds} s.",
                Extensions = { ["retryAfterSeconds"] = seconds },
            },
        });
    }
}

/// <summary>Request budgets (<c>RateLimiting</c> section): permits per fixed window, per caller kind.</summary>
public sealed class GatewayRateLimitOptions
{
    public const string SectionName = "RateLimiting";

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Per signed-in user, session and API tokens together.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int UserPermitLimit { get; set; } = 600;

    /// <summary>Per API token.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int TokenPermitLimit { get; set; } = 300;

    /// <summary>Per client address, for calls without a session or token (sign-in, status, docs).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int AnonymousPermitLimit { get; set; } = 300;
}
