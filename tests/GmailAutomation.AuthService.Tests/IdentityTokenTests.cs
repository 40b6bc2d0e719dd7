using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GmailAutomation.AuthService.Tests;

public sealed class IdentityTokenTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_token_carries_the_user_until_it_expires()
    {
        var tokens = Tokens("a-signing-key-that-is-long-enough-123456", TimeSpan.FromHours(1));
        var userId = Guid.NewGuid();
        var token = tokens.Issue(userId, "jane@example.test");

        var identity = tokens.Validate(token);
        Assert.Equal(userId, identity!.UserId);
        Assert.Equal("jane@example.test", identity.Email);
        Assert.Equal(_time.GetUtcNow().AddHours(1), identity.ExpiresAt);

        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(31));
        Assert.Null(tokens.Validate(token));
    }

    [Fact]
    public void A_changed_payload_or_another_key_is_refused()
    {
        var tokens = Tokens("a-signing-key-that-is-long-enough-123456");
        var token = tokens.Issue(Guid.NewGuid(), "jane@example.test");
        var other = Tokens("another-signing-key-that-is-long-enough!!").Issue(Guid.NewGuid(), "jane@example.test");
        var payload = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[0]));
        var tampered = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payload.Replace("jane@", "mallory@", StringComparison.Ordinal)))
            + "." + token.Split('.')[1];

        Assert.Null(tokens.Validate(tampered));
        Assert.Null(tokens.Validate(other));
        Assert.Null(tokens.Validate(string.Empty));
        Assert.Null(tokens.Validate("no-dot"));
        Assert.Null(tokens.Validate("!!!.???"));
        Assert.Null(tokens.Validate(token + "x"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("too-short")]
    public void A_service_without_a_proper_signing_key_fails_at_start_with_a_clear_message(string? key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Identity:SigningKey"] = key }).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddUserIdentity().BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<IdentityOptions>>().Value);
        Assert.Contains("Identity:SigningKey", error.Message);
        Assert.Contains("32 characters", error.Message);
    }

    private UserIdentityTokens Tokens(string key, TimeSpan? lifetime = null) =>
        new(Options.Create(new IdentityOptions { SigningKey = key, Lifetime = lifetime ?? TimeSpan.FromHours(8) }), _time);
}
