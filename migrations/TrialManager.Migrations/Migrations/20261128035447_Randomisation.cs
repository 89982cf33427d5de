using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TrialManager.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class Randomisation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "allocations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    trial_id = table.Column<Guid>(type: "uuid", nullable: false),
                    cluster_id = table.Column<Guid>(type: "uuid", nullable: false),
                    draw = table.Column<int>(type: "integer", nullable: false),
                    arm = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    stratum = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    position = table.Column<int>(type: "integer", nullable: true),
                    evidence = table.Column<string>(type: "json", nullable: true),
                    allocated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    allocated_by = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_allocations", x => x.id);
                    table.ForeignKey(
                        name: "fk_allocations_clusters_cluster_id",
                        column: x => x.cluster_id,
                        principalTable: "clusters",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_allocations_trials_trial_id",
                        column: x => x.trial_id,
                        principalTable: "trials",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "randomisation_schemes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    trial_id = table.Column<Guid>(type: "uuid", nullable: false),
                    method = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    settings = table.Column<string>(type: "json", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sealed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sealed_by = table.Column<Guid>(type: "uuid", nullable: true),
                    seed = table.Column<byte[]>(type: "bytea", nullable: true),
                    canonical = table.Column<string>(type: "text", nullable: true),
                    commitment = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_randomisation_schemes", x => x.id);
                    table.ForeignKey(
                        name: "fk_randomisation_schemes_trials_trial_id",
                        column: x => x.trial_id,
                        principalTable: "trials",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "unblindings",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    trial_id = table.Column<Guid>(type: "uuid", nullable: false),
                    cluster_id = table.Column<Guid>(type: "uuid", nullable: true),
                    participant_id = table.Column<Guid>(type: "uuid", nullable: true),
                    user_id = table.Column<Guid>(type: "uuid", nullable: true),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    unblinded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    unblinded_by = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_unblindings", x => x.id);
                    table.ForeignKey(
                        name: "fk_unblindings_clusters_cluster_id",
                        column: x => x.cluster_id,
                        principalTable: "clusters",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_unblindings_participants_participant_id",
                        column: x => x.participant_id,
                        principalTable: "participants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_unblindings_trials_trial_id",
                        column: x => x.trial_id,
                        principalTable: "trials",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_allocations_cluster_id",
                table: "allocations",
                column: "cluster_id");

            migrationBuilder.CreateIndex(
                name: "ux_allocations_cluster_id",
                table: "allocations",
                columns: new[] { "trial_id", "cluster_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_allocations_draw",
                table: "allocations",
                columns: new[] { "trial_id", "draw" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_allocations_position",
                table: "allocations",
                columns: new[] { "trial_id", "stratum", "position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_randomisation_schemes_trial_id",
                table: "randomisation_schemes",
                column: "trial_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_unblindings_cluster_id",
                table: "unblindings",
                column: "cluster_id");

            migrationBuilder.CreateIndex(
                name: "ix_unblindings_participant_id",
                table: "unblindings",
                column: "participant_id");

            migrationBuilder.CreateIndex(
                name: "ix_unblindings_trial_id_user_id",
                table: "unblindings",
                columns: new[] { "trial_id", "user_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "allocations");

            migrationBuilder.DropTable(
                name: "randomisation_schemes");

            migrationBuilder.DropTable(
                name: "unblindings");
        }
    }
}
