using GmailAutomation.GmailEmulator.Admin;
using GmailAutomation.GmailEmulator.Hosting;
using GmailAutomation.GmailEmulator.OAuth;
using GmailAutomation.GmailEmulator.Seeding;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GmailAutomation.GmailEmulator.Mailboxes;

public static class MailboxServiceExtensions
{
    /// <summary>The mailbox side of the emulator: store, Gmail call pipeline, account provisioning, seeding.</summary>
    public static TBuilder AddEmulatorMailboxes<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<MailboxOptions>().BindConfiguration(MailboxOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<MailboxStore>();
        services.AddSingleton<IEmulatorResettable>(sp => sp.GetRequiredService<MailboxStore>());
        services.AddSingleton<IAccountProvisioner, MailboxAccountProvisioner>();
        services.AddSingleton<GmailCallPipeline>();
        services.AddHostedService<MailboxSeeder>();
        return builder;
    }
}
