using System.Diagnostics;
using System.Globalization;
using GmailAutomation.ApiGateway.Console;
using GmailAutomation.ApiGateway.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Microsoft.Extensions.Hosting;

public static class WebConsoleExtensions
{
    /// <summary>
    /// The web console: server-rendered Razor Pages (in <c>Console/Pages</c>, plain HTML forms with anti-forgery,
    /// one local stylesheet, no script and no CDN) that call the services' public APIs as the signed-in person.
    /// </summary>
    public static IHostApplicationBuilder AddWebConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(pages =>
        {
            pages.RootDirectory = "/Console/Pages";
            // Every page but the start page (which greets anonymous visitors with the sign-in button) needs a session.
            pages.Conventions.AuthorizeFolder("/");
            pages.Conventions.AllowAnonymousToPage("/Index");
        });
        builder.Services.Configure<CookieTempDataProviderOptions>(temp =>
        {
            temp.Cookie.Name = GatewayCookies.Notice;
            temp.Cookie.HttpOnly = true;
            temp.Cookie.SameSite = SameSiteMode.Lax;
            temp.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            temp.Cookie.IsEssential = true;
        });
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddHttpClient(ConsoleApi.ClientName, http => http.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.AddScoped<ConsoleApi>();
        return builder;
    }

    /// <summary>Static files (the stylesheet), the pages, and a <c>Server-Timing</c> header on each page with the server's time.</summary>
    public static WebApplication MapWebConsole(this WebApplication app)
    {
        app.UseStaticFiles();
        app.Use(AddServerTiming);
        app.MapRazorPages();
        return app;
    }

    /// <summary>The time the gateway spent on a page (its service calls included), for the page-load benchmark and the browser's dev tools.</summary>
    private static Task AddServerTiming(HttpContext context, Func<Task> next)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            return next();
        }

        var started = Stopwatch.GetTimestamp();
        context.Response.OnStarting(() =>
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            context.Response.Headers["Server-Timing"] = "app;dur=" + elapsed.ToString("0.0", CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        return next();
    }
}
