using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmailAutomation.EmailService.Data.Migrations
{
    /// <inheritdoc />
    public partial class OutboxAccountTurns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "AccountId",
                table: "outbox",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbox_AccountId_Id",
                table: "outbox",
                columns: new[] { "AccountId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_outbox_AccountId_Id",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "AccountId",
                table: "outbox");
        }
    }
}
