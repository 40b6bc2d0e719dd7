using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmailAutomation.ApiGateway.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuditEntryPerEventAndAccount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_audit_entries_EventId",
                table: "audit_entries");

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_EventId_AccountId",
                table: "audit_entries",
                columns: new[] { "EventId", "AccountId" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_audit_entries_EventId_AccountId",
                table: "audit_entries");

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_EventId",
                table: "audit_entries",
                column: "EventId",
                unique: true);
        }
    }
}
