using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GmailAutomation.ClassificationService.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service or contacting a server.</summary>
[System.Diagnostics.CodeAnalysis.ExcludeFromCodeCoverage(Justification = "Used by dotnet ef only.")]
public sealed class ClassificationDbContextDesignTimeFactory : IDesignTimeDbContextFactory<ClassificationDbContext>
{
    public ClassificationDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ClassificationDbContext>().UseNpgsql("Host=localhost;Database=classificationdb").Options);
}
