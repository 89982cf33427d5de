using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TrialManager.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class CrashSafeRetries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Answers stored the old way (the HTTP answer, after the request's own commit) cannot be replayed the new
            // way (the command's result, committed with its effect); they are kept a day at most anyway.
            migrationBuilder.Sql("DELETE FROM idempotency_records;");

            migrationBuilder.DropColumn(
                name: "body",
                table: "idempotency_records");

            migrationBuilder.DropColumn(
                name: "content_type",
                table: "idempotency_records");

            migrationBuilder.DropColumn(
                name: "location",
                table: "idempotency_records");

            migrationBuilder.DropColumn(
                name: "status_code",
                table: "idempotency_records");

            migrationBuilder.AddColumn<string>(
                name: "result",
                table: "idempotency_records",
                type: "json",
                nullable: false);

            migrationBuilder.AddColumn<string>(
                name: "job_id",
                table: "exports",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "result",
                table: "idempotency_records");

            migrationBuilder.DropColumn(
                name: "job_id",
                table: "exports");

            migrationBuilder.AddColumn<byte[]>(
                name: "body",
                table: "idempotency_records",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "content_type",
                table: "idempotency_records",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "location",
                table: "idempotency_records",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "status_code",
                table: "idempotency_records",
                type: "integer",
                nullable: true);
        }
    }
}
