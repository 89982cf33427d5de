using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TrialManager.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class Jobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "masked_arms",
                table: "randomisation_schemes",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "exports",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    trial_id = table.Column<Guid>(type: "uuid", nullable: false),
                    requested_by = table.Column<Guid>(type: "uuid", nullable: false),
                    requester_role = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    format = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    blinded = table.Column<bool>(type: "boolean", nullable: false),
                    timepoints = table.Column<string[]>(type: "text[]", nullable: true),
                    instruments = table.Column<string[]>(type: "text[]", nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    progress = table.Column<int>(type: "integer", nullable: false),
                    row_counts = table.Column<string>(type: "jsonb", nullable: true),
                    size_bytes = table.Column<long>(type: "bigint", nullable: true),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    file_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_exports", x => x.id);
                    table.ForeignKey(
                        name: "fk_exports_trials_trial_id",
                        column: x => x.trial_id,
                        principalTable: "trials",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_exports_users_requested_by",
                        column: x => x.requested_by,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "sent_reminders",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    trial_id = table.Column<Guid>(type: "uuid", nullable: false),
                    participant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    timepoint_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    recipient_user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sent_reminders", x => x.id);
                    table.ForeignKey(
                        name: "fk_sent_reminders_participants_participant_id",
                        column: x => x.participant_id,
                        principalTable: "participants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_sent_reminders_trials_trial_id",
                        column: x => x.trial_id,
                        principalTable: "trials",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_sent_reminders_users_recipient_user_id",
                        column: x => x.recipient_user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_exports_expires_at",
                table: "exports",
                column: "expires_at",
                filter: "file_key IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_exports_requested_by",
                table: "exports",
                column: "requested_by");

            migrationBuilder.CreateIndex(
                name: "ix_exports_trial_id_requested_at",
                table: "exports",
                columns: new[] { "trial_id", "requested_at" });

            migrationBuilder.CreateIndex(
                name: "ix_sent_reminders_recipient_user_id",
                table: "sent_reminders",
                column: "recipient_user_id");

            migrationBuilder.CreateIndex(
                name: "ix_sent_reminders_trial_id",
                table: "sent_reminders",
                column: "trial_id");

            migrationBuilder.CreateIndex(
                name: "ux_sent_reminders_once",
                table: "sent_reminders",
                columns: new[] { "participant_id", "timepoint_code", "state", "recipient_user_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "exports");

            migrationBuilder.DropTable(
                name: "sent_reminders");

            migrationBuilder.DropColumn(
                name: "masked_arms",
                table: "randomisation_schemes");
        }
    }
}
