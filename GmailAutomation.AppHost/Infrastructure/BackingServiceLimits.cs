namespace GmailAutomation.AppHost.Infrastructure;

/// <summary>Server settings that must be the same whether the backing services run as containers or local processes.</summary>
internal static class BackingServiceLimits
{
    /// <summary>
    /// PostgreSQL's default of 100 connections is too few: six services with a database (and their replicas) each
    /// keep an Npgsql pool, and under load the classification and draft replicas ran into "too many clients".
    /// </summary>
    public const int PostgresMaxConnections = 500;
}
