using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmailAutomation.ClassificationService.Data.Migrations
{
    /// <inheritdoc />
    public partial class ActivityByReceivedDate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_processed_messages_AccountId_InternalDate",
                table: "processed_messages",
                columns: new[] { "AccountId", "InternalDate" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_processed_messages_AccountId_InternalDate",
                table: "processed_messages");
        }
    }
}
