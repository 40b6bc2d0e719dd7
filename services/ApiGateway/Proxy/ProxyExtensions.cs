using GmailAutomation.ApiGateway.Proxy;
using GmailAutomation.Common.Errors;
using Yarp.ReverseProxy.Configuration;

namespace Microsoft.Extensions.Hosting;

public static class ProxyExtensions
{
    /// <summary>
    /// YARP with one cluster per service (<c>http://auth-service</c> …, resolved by Aspire service discovery) and
    /// the routes of <see cref="PublicRoutes.All"/>; every forwarded request goes through <see cref="IdentityForwarding"/>.
    /// </summary>
    public static IHostApplicationBuilder AddPublicApiProxy(this IHostApplicationBuilder builder)
    {
        var routes = PublicRoutes.All.Select(route => new RouteConfig
        {
            RouteId = route.Id,
            ClusterId = route.Service,
            Match = new RouteMatch { Path = route.Path, Methods = route.Methods },
        }).ToList();
        var clusters = PublicRoutes.Services.Select(service => new ClusterConfig
        {
            ClusterId = service,
            Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal)
            {
                [service] = new() { Address = $"http://{service}" },
            },
        }).ToList();

        builder.Services.AddReverseProxy()
            .LoadFromMemory(routes, clusters)
            .AddTransforms(IdentityForwarding.Apply)
            .AddServiceDiscoveryDestinationResolver();
        return builder;
    }

    /// <summary>Forwards the public routes; a path that names an internal or admin segment answers 404 without leaving the gateway.</summary>
    public static WebApplication MapPublicApiProxy(this WebApplication app)
    {
        app.MapReverseProxy(proxy => proxy.Use((context, next) =>
            PublicRoutes.HasForbiddenSegment(context.Request.Path)
                ? throw new NotFoundException("Route", context.Request.Path.Value ?? string.Empty)
                : next()));
        return app;
    }
}
