using System.Security.Cryptography;
using System.Text;
using GmailAutomation.Common.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ServiceDefaults.Identity;

/// <summary>
/// Service-to-service authentication for internal endpoints: the caller sends the shared
/// <see cref="InternalServiceOptions.ServiceKey"/> in <see cref="HeaderName"/>. The gateway never routes
/// <c>/internal</c> paths, and even if a request got there it would lack the key.
/// </summary>
public sealed class ServiceKeyAuthentication(IOptions<InternalServiceOptions> options)
{
    public const string HeaderName = "X-Service-Key";

    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.ServiceKey ?? string.Empty);

    public bool IsValid(string? presented) =>
        !string.IsNullOrEmpty(presented)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);

    /// <summary>Throws <see cref="AuthenticationException"/> (401) unless the request carries the service key.</summary>
    public void Require(HttpContext context)
    {
        if (!IsValid(context.Request.Headers[HeaderName].ToString()))
        {
            throw new AuthenticationException($"Internal endpoints need the service key in the {HeaderName} header.");
        }
    }
}

/// <summary>Adds the service key to every request of an <see cref="HttpClient"/> that calls internal endpoints.</summary>
public sealed class ServiceKeyDelegatingHandler(IOptions<InternalServiceOptions> options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Remove(ServiceKeyAuthentication.HeaderName);
        request.Headers.TryAddWithoutValidation(ServiceKeyAuthentication.HeaderName, options.Value.ServiceKey);
        return base.SendAsync(request, cancellationToken);
    }
}
