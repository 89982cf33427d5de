using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TrialManager.Data.Trials;

internal sealed class SiteConfiguration : IEntityTypeConfiguration<Site>
{
    public void Configure(EntityTypeBuilder<Site> site)
    {
        site.ToTable("sites");
        site.Property(s => s.Code).HasMaxLength(Limits.Code);
        site.Property(s => s.Name).HasMaxLength(Limits.Title);
        site.HasOne<Trial>().WithMany().HasForeignKey(s => s.TrialId).OnDelete(DeleteBehavior.Restrict);
        site.HasIndex(s => new { s.TrialId, s.Code }).IsUnique().HasDatabaseName("ux_sites_code");
    }
}
