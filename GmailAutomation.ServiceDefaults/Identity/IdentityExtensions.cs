using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class IdentityExtensions
{
    /// <summary>
    /// Registers <see cref="ICurrentUser"/> (the verified identity of the request, from the
    /// <c>X-User-Identity</c> header) and <see cref="UserIdentityTokens"/>. <c>Identity:SigningKey</c> is required
    /// and checked at start-up.
    /// </summary>
    public static IServiceCollection AddUserIdentity(this IServiceCollection services)
    {
        services.AddOptions<IdentityOptions>()
            .BindConfiguration(IdentityOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => (o.SigningKey?.Length ?? 0) >= IdentityOptions.MinimumKeyLength, IdentityValidation.KeyMessage)
            .ValidateOnStart();
        services.AddHttpContextAccessor();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<UserIdentityTokens>();
        services.TryAddScoped<ICurrentUser, HttpCurrentUser>();
        return services;
    }

    /// <summary>
    /// Registers <see cref="ServiceKeyAuthentication"/> for this service's internal endpoints and
    /// <see cref="ServiceKeyDelegatingHandler"/> for its calls to others'. <c>Internal:ServiceKey</c> is required
    /// and checked at start-up.
    /// </summary>
    public static IServiceCollection AddInternalServiceAuthentication(this IServiceCollection services)
    {
        services.AddOptions<InternalServiceOptions>()
            .BindConfiguration(InternalServiceOptions.SectionName)
            .Validate(o => (o.ServiceKey?.Length ?? 0) >= IdentityOptions.MinimumKeyLength, IdentityValidation.ServiceKeyMessage)
            .ValidateOnStart();
        services.TryAddSingleton<ServiceKeyAuthentication>();
        services.TryAddTransient<ServiceKeyDelegatingHandler>();
        return services;
    }

    /// <summary>Routes of this builder answer 401 problem details unless the request carries a valid user identity.</summary>
    public static TBuilder RequireUser<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(static (context, next) =>
        {
            context.HttpContext.RequestServices.GetRequiredService<ICurrentUser>().RequireIdentity();
            return next(context);
        });

    /// <summary>Routes of this builder answer 401 problem details unless the caller sends the internal service key.</summary>
    public static TBuilder RequireServiceKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(static (context, next) =>
        {
            context.HttpContext.RequestServices.GetRequiredService<ServiceKeyAuthentication>().Require(context.HttpContext);
            return next(context);
        });
}
