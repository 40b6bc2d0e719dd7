using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GmailAutomation.ResponseService.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service or contacting a server.</summary>
public sealed class ResponseDbContextDesignTimeFactory : IDesignTimeDbContextFactory<ResponseDbContext>
{
    public ResponseDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ResponseDbContext>().UseNpgsql("Host=localhost;Database=responsedb").Options);
}
