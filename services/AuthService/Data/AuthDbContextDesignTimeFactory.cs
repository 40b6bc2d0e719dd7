using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GmailAutomation.AuthService.Data;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the service (which needs Redis,
/// RabbitMQ and the identity key). Migrations are generated from the model, so no server is contacted.
/// </summary>
[System.Diagnostics.CodeAnalysis.ExcludeFromCodeCoverage(Justification = "Used by dotnet ef only.")]
public sealed class AuthDbContextDesignTimeFactory : IDesignTimeDbContextFactory<AuthDbContext>
{
    public AuthDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuthDbContext>().UseNpgsql("Host=localhost;Database=authdb").Options);
}
