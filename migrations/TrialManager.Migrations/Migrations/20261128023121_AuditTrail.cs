using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TrialManager.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class AuditTrail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_checkpoints",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    chain_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    event_count = table.Column<long>(type: "bigint", nullable: false),
                    heads = table.Column<string>(type: "json", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_checkpoints", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "audit_events",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    chain_id = table.Column<Guid>(type: "uuid", nullable: false),
                    strand = table.Column<int>(type: "integer", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    trial_id = table.Column<Guid>(type: "uuid", nullable: true),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    action = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entity_id = table.Column<Guid>(type: "uuid", nullable: true),
                    changes = table.Column<string>(type: "json", nullable: false),
                    actor_user_id = table.Column<Guid>(type: "uuid", nullable: true),
                    actor_role = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    request_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    previous_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_events", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "audit_strand_heads",
                columns: table => new
                {
                    chain_id = table.Column<Guid>(type: "uuid", nullable: false),
                    strand = table.Column<int>(type: "integer", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_strand_heads", x => new { x.chain_id, x.strand });
                });

            migrationBuilder.CreateIndex(
                name: "ix_audit_checkpoints_chain_id_id",
                table: "audit_checkpoints",
                columns: new[] { "chain_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_chain_id_entity_id",
                table: "audit_events",
                columns: new[] { "chain_id", "entity_id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_chain_id_id",
                table: "audit_events",
                columns: new[] { "chain_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ux_audit_events_sequence",
                table: "audit_events",
                columns: new[] { "chain_id", "strand", "sequence" },
                unique: true);

            // Append-only in the database itself, for every role including the owner and superusers: only a
            // superuser who disables the triggers can change history, and the hash chain shows that they did.
            migrationBuilder.Sql("""
                CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
                        USING ERRCODE = 'insufficient_privilege';
                END $$;
                CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
                    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
                CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
                CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
                    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
                CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
                    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER audit_checkpoints_no_truncate ON audit_checkpoints;
                DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints;
                DROP TRIGGER audit_events_no_truncate ON audit_events;
                DROP TRIGGER audit_events_append_only ON audit_events;
                DROP FUNCTION refuse_audit_change();
                """);

            migrationBuilder.DropTable(
                name: "audit_checkpoints");

            migrationBuilder.DropTable(
                name: "audit_events");

            migrationBuilder.DropTable(
                name: "audit_strand_heads");
        }
    }
}
