using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GmailAutomation.DraftService.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service or contacting a server.</summary>
[System.Diagnostics.CodeAnalysis.ExcludeFromCodeCoverage(Justification = "Used by dotnet ef only.")]
public sealed class DraftDbContextDesignTimeFactory : IDesignTimeDbContextFactory<DraftDbContext>
{
    public DraftDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<DraftDbContext>().UseNpgsql("Host=localhost;Database=draftdb").Options);
}
