using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GmailAutomation.EmailService.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service or contacting a server.</summary>
public sealed class EmailDbContextDesignTimeFactory : IDesignTimeDbContextFactory<EmailDbContext>
{
    public EmailDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<EmailDbContext>().UseNpgsql("Host=localhost;Database=emaildb").Options);
}
