/* The public map of the sites (cnum/sites/views_map.py): markers clustered, the searched point and its radius, and
   "Autour de moi" (the browser's position, sent once with the search and never stored). The page works without this
   script and without tiles: the list beside the map gives the same sites. No inline style is written: Leaflet
   positions its elements through the CSSOM (element.style), which the Content-Security-Policy allows. */
(function () {
  "use strict";

  function nearMe() {
    var button = document.getElementById("autour-de-moi");
    var form = document.getElementById("recherche-carte");
    var message = document.getElementById("position-message");
    if (!button || !form || !navigator.geolocation) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      message.textContent = "Recherche de votre position…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(4);
          form.elements.lon.value = position.coords.longitude.toFixed(4);
          form.elements.q.value = "";
          form.submit();
        },
        function () {
          message.textContent = "Votre position n'a pas pu être obtenue : indiquez une commune ou un code postal.";
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
      );
    });
    // A new search by commune or postal code forgets the position.
    form.elements.q.addEventListener("input", function () {
      form.elements.lat.value = "";
      form.elements.lon.value = "";
    });
  }

  function popup(site, target) {
    var content = document.createElement("div");
    var link = document.createElement("a");
    link.href = site.url;
    link.textContent = site.nom;
    if (target) {
      link.target = target;
      link.rel = "noopener";
      link.title = site.nom + " — nouvelle fenêtre";
    }
    var title = document.createElement("p");
    title.className = "fr-text--bold fr-mb-1v";
    title.appendChild(link);
    var address = document.createElement("p");
    address.className = "fr-text--sm fr-mb-0";
    address.textContent = site.adresse + (site.distance_km !== undefined ? " — à " + String(site.distance_km).replace(".", ",") + " km" : "");
    content.appendChild(title);
    content.appendChild(address);
    return content;
  }

  function draw() {
    var element = document.getElementById("carte-lieux");
    var source = document.getElementById("lieux-carte-donnees");
    if (!element || !source || !window.L) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var map = L.map(element, { scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
    if (data.tiles.url) {
      L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19, minZoom: 2 }).addTo(map);
    }
    var markers = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false }) : L.layerGroup();
    data.sites.forEach(function (site) {
      var marker = L.marker([site.lat, site.lon], { title: site.nom, alt: site.nom, keyboard: true });
      marker.bindPopup(popup(site, data.target));
      marker.on("add", function () {
        var icon = marker.getElement();
        if (icon) {
          icon.setAttribute("data-site", String(site.id));
        }
      });
      markers.addLayer(marker);
    });
    map.addLayer(markers);
    if (data.centre) {
      var centre = L.latLng(data.centre.lat, data.centre.lon);
      map.fitBounds(centre.toBounds(data.centre.rayon_km * 2000));
      L.circle(centre, { radius: data.centre.rayon_km * 1000, fill: false, weight: 1 }).addTo(map);
      L.circleMarker(centre, { radius: 6 }).bindTooltip(data.centre.label).addTo(map);
    } else if (data.sites.length) {
      map.fitBounds(data.sites.map(function (site) { return [site.lat, site.lon]; }), { maxZoom: 14, padding: [20, 20] });
    } else {
      map.setView([46.6, 2.4], 5);
    }
    element.setAttribute("data-ready", "true");
  }

  function start() {
    nearMe();
    draw();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
