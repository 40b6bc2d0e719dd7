extern alias email;

using email::GmailAutomation.EmailService.Sync;
using GmailAutomation.EventBus;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.MailParsing;
using GmailAutomation.Testing;
using Npgsql;
using NpgsqlTypes;

namespace GmailAutomation.HostileInput.Tests;

/// <summary>
/// The email-service saves each EmailReceived in its outbox as PostgreSQL <c>jsonb</c>, which refuses text that
/// JSON allows (a NUL character): every hostile message's event must be storable, or sync stops at that message.
/// </summary>
public sealed class OutboxTests
{
    [Fact]
    public async Task Every_hostile_message_event_is_stored_in_a_jsonb_outbox_column()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var server = await LocalPostgresServer.GetSharedAsync(timeout.Token);
        var database = await server.CreateDatabaseAsync("hostile_" + Guid.NewGuid().ToString("N")[..8], timeout.Token);
        await using var connection = new NpgsqlConnection(server.ConnectionStringFor(database));
        await connection.OpenAsync(timeout.Token);
        await using (var create = new NpgsqlCommand("CREATE TABLE outbox (name text PRIMARY KEY, payload jsonb NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync(timeout.Token);
        }

        var failures = new List<string>();
        foreach (var name in HostileCorpus.FileNames)
        {
            var message = new GmailMessage { Id = name, ThreadId = name, Raw = HostileCorpus.Read(name) };
            var received = EmailReceivedFactory.Create(Guid.NewGuid(), message, EmailSyncSources.Incremental, MessageFeatureLimits.Default.MaxBodyChars);
            var json = System.Text.Encoding.UTF8.GetString(IntegrationEventSerializer.Serialize(received));
            await using var insert = new NpgsqlCommand("INSERT INTO outbox (name, payload) VALUES (@name, @payload)", connection);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.Add(new NpgsqlParameter("payload", NpgsqlDbType.Jsonb) { Value = json });
            try
            {
                await insert.ExecuteNonQueryAsync(timeout.Token);
            }
            catch (PostgresException exception)
            {
                failures.Add($"{name}: {exception.MessageText}");
            }
        }

        Assert.True(failures.Count == 0, "Events PostgreSQL refused: " + string.Join("; ", failures));
        await using var count = new NpgsqlCommand("SELECT count(*) FROM outbox", connection);
        Assert.Equal((long)HostileCorpus.FileNames.Count(), (long)(await count.ExecuteScalarAsync(timeout.Token))!);
    }
}
