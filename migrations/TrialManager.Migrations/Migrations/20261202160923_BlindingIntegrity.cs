using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TrialManager.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class BlindingIntegrity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Events already written keep the first canonical form (their revealing values in clear); every event
            // from now on is format 2, with sealed values as commitments. The default covers raw inserts too.
            migrationBuilder.AddColumn<short>(
                name: "format",
                table: "audit_events",
                type: "smallint",
                nullable: false,
                defaultValue: (short)1);
            migrationBuilder.Sql("ALTER TABLE audit_events ALTER COLUMN format SET DEFAULT 2;");

            migrationBuilder.AddColumn<string>(
                name: "reason_commitment",
                table: "audit_events",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "sealed_values",
                table: "audit_events",
                type: "json",
                nullable: true);

            // Finds the few events that hold revealing values in clear, whose hashes blinded readers are not shown
            // (LegacyClearValues in the API; the predicate is the same text).
            migrationBuilder.Sql("""
                CREATE INDEX ix_audit_events_clear_values ON audit_events (chain_id, strand, sequence)
                WHERE format = 1 AND (changes::text LIKE '%"blinded":true%');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX ix_audit_events_clear_values;");

            migrationBuilder.DropColumn(
                name: "format",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "reason_commitment",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "sealed_values",
                table: "audit_events");
        }
    }
}
