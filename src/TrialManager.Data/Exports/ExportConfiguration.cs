using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TrialManager.Data.Access;
using TrialManager.Data.Trials;

namespace TrialManager.Data.Exports;

internal sealed class ExportConfiguration : IEntityTypeConfiguration<Export>
{
    public void Configure(EntityTypeBuilder<Export> export)
    {
        export.ToTable("exports");
        export.Property(e => e.RequesterRole).HasMaxLength(Limits.Word);
        export.Property(e => e.Format).HasMaxLength(Limits.Word);
        export.Property(e => e.Status).HasMaxLength(Limits.Word);
        export.Property(e => e.RowCounts).HasColumnType("jsonb");
        export.Property(e => e.Sha256).HasMaxLength(64);
        export.Property(e => e.FileKey).HasMaxLength(Limits.Title);
        export.Property(e => e.JobId).HasMaxLength(Limits.Word);
        export.HasOne<Trial>().WithMany().HasForeignKey(e => e.TrialId).OnDelete(DeleteBehavior.Restrict);
        export.HasOne<User>().WithMany().HasForeignKey(e => e.RequestedBy).OnDelete(DeleteBehavior.Restrict);
        export.HasIndex(e => new { e.TrialId, e.RequestedAt });
        // The clean-up job looks for files past their expiry.
        export.HasIndex(e => e.ExpiresAt).HasFilter("file_key IS NOT NULL");
    }
}
