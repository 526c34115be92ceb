/* The map's background (hotspots.outputs.webmap.tiles_spec, places_args): tiles from a server, tiles from a
 * file the app serves itself, or, offline, outlines with names and police.uk's street names.
 *
 * An installed tile file (geo.tiles.install_tiles) is a PMTiles file cut into parts under the app's own
 * /app/static/tiles/<folder>/ (Streamlit serves no static file over 200 MB). PartsSource gives the vendored
 * pmtiles library (static/vendor/pmtiles-4.5.0) the bytes it asks for, with HTTP Range requests across the
 * parts. Raster tiles become <img> elements (object URLs of the tile's bytes); vector tiles are drawn on
 * canvas by the vendored protomaps-leaflet (static/vendor/protomaps-leaflet-5.1.0), with plain paint rules
 * made from the file's vector_layers (areas filled, lines drawn, name fields written). Both libraries are
 * loaded only when such a background is chosen.
 *
 * Never a silent grey map: when tiles fail (a server the network blocks, a part the app cannot serve), a box
 * on the map says which background failed and what to choose instead.
 * Every text from data (names, attributions) reaches the page as text (textContent), never as HTML;
 * Leaflet's attribution control takes HTML, so attributions are escaped first.
 */
(function () {
  "use strict";

  var VENDOR = "../../app/static/vendor/";
  var FOLDER = /^[a-z0-9-]+$/, PART = /^part-\d{4}\.bin$/;
  var MIME = {png: "image/png", jpg: "image/jpeg", webp: "image/webp"};
  var loading = {};

  function esc(s) {
    return String(s == null ? "" : s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  /** Load one vendored script once; resolves when it has run. */
  function script(path) {
    if (!loading[path]) {
      loading[path] = new Promise(function (resolve, reject) {
        var el = document.createElement("script");
        el.src = VENDOR + path;
        el.onload = function () { resolve(); };
        el.onerror = function () { reject(new Error("the app did not serve " + path)); };
        document.head.appendChild(el);
      });
    }
    return loading[path];
  }

  /** Byte ranges of an installed file, read from its parts with HTTP Range requests (pmtiles' Source). */
  function PartsSource(spec) {
    if (!FOLDER.test(spec.folder)) throw new Error("not an installed tile folder");
    var base = new URL("../../app/static/tiles/" + spec.folder + "/", document.baseURI).href;
    var parts = [], start = 0;
    (spec.parts || []).forEach(function (p) {
      if (!PART.test(p[0]) || !(p[1] > 0)) throw new Error("not an installed tile part");
      parts.push({url: base + p[0], start: start, size: p[1]});
      start += p[1];
    });
    var size = start, inflight = {};
    this.getKey = function () { return base + "#" + size; };
    // one request per byte range at a time: Leaflet may ask twice for one tile while it settles its view
    this.getBytes = function (offset, length) {
      var key = offset + ":" + length;
      if (!inflight[key]) {
        inflight[key] = read(offset, length).then(function (r) { delete inflight[key]; return r; },
                                                  function (e) { delete inflight[key]; throw e; });
      }
      return inflight[key];
    };
    function read(offset, length) {
      var end = Math.min(offset + length, size), jobs = [];
      parts.forEach(function (p) {
        if (offset < p.start + p.size && end > p.start) {
          var from = Math.max(offset, p.start) - p.start, to = Math.min(end, p.start + p.size) - p.start;
          jobs.push(fetch(p.url, {headers: {Range: "bytes=" + from + "-" + (to - 1)}})
            .then(function (r) {
              if (r.status === 206) return r.arrayBuffer();
              if (r.status === 200) return r.arrayBuffer().then(function (b) { return b.slice(from, to); });
              throw new Error("the app answered " + r.status + " for " + p.url.split("/").slice(-2).join("/"));
            }));
        }
      });
      return Promise.all(jobs).then(function (bufs) {
        var n = 0;
        bufs.forEach(function (b) { n += b.byteLength; });
        var out = new Uint8Array(n), at = 0;
        bufs.forEach(function (b) { out.set(new Uint8Array(b), at); at += b.byteLength; });
        return {data: out.buffer};
      });
    }
  }

  function boundsOf(spec) {
    var b = spec.bounds;
    return Array.isArray(b) && b.length === 4 ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : undefined;
  }

  /** Raster tiles of an installed file: one <img> per tile, its picture an object URL of the tile's bytes. */
  var RasterLayer = L.GridLayer.extend({
    initialize: function (spec, options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this._mime = MIME[spec.format] || "image/png";
      this._ready = script("pmtiles-4.5.0/pmtiles.js").then(function () {
        return new pmtiles.PMTiles(new PartsSource(spec));
      });
    },
    createTile: function (coords, done) {
      var el = document.createElement("img"), mime = this._mime;
      el.alt = "";
      el.setAttribute("role", "presentation");
      // no abort signal: pmtiles shares one request among the tiles that need the same bytes, so aborting
      // a tile Leaflet dropped (a zoom while fitting the view) would fail the tile that replaced it
      this._ready.then(function (pm) { return pm.getZxy(coords.z, coords.x, coords.y); })
        .then(function (r) {
          if (el._removed) return;
          if (!r) {  // the file has no tile here (outside its area)
            el.style.visibility = "hidden";
            done(null, el);
            return;
          }
          el.onload = function () { done(null, el); };
          el.onerror = function () { done(new Error("a tile is not a picture"), el); };
          el.src = URL.createObjectURL(new Blob([r.data], {type: mime}));
        })
        .catch(function (e) { if (!el._removed) done(e || new Error("no tile"), el); });
      return el;
    },
    _removeTile: function (key) {
      var tile = this._tiles[key];
      if (tile) {
        tile.el._removed = true;
        if (tile.el.src && tile.el.src.indexOf("blob:") === 0) URL.revokeObjectURL(tile.el.src);
      }
      L.GridLayer.prototype._removeTile.call(this, key);
    }
  });

  // -- vector tiles: generic paint rules from the file's vector_layers ------------------------------------
  var NAME_FIELDS = ["name", "name_en", "Name", "NAME", "distname", "text", "label", "roadname", "road_name"];
  var LOOKS = [  // a layer's look, by words in its id (OS Open Zoomstack's layers among them)
    [/sea|water|river|lake|reservoir|foreshore/i, "#aad3df", "#6fa8c5"],
    [/wood|forest|green|park|grass|national_park/i, "#cfe6bd", "#9cc28a"],
    [/building/i, "#d9d0c9", "#bfb2a8"],
    [/urban|residential|settlement/i, "#ece7e1", "#d6cfc7"],
    [/road|street|motorway/i, "#ffffff", "#8f8f8f"],
    [/rail/i, "#dddddd", "#707070"],
    [/boundar/i, "#ffffff", "#9a6fb0"],
    [/contour/i, "#ffffff", "#d8c6a8"]
  ];

  function look(id) {
    for (var i = 0; i < LOOKS.length; i++) if (LOOKS[i][0].test(id)) return {fill: LOOKS[i][1], line: LOOKS[i][2]};
    var h = 0;
    for (var j = 0; j < id.length; j++) h = (h * 31 + id.charCodeAt(j)) >>> 0;
    return {fill: "hsl(" + (h % 360) + ",25%,88%)", line: "hsl(" + (h % 360) + ",20%,60%)"};
  }

  function vectorRules(layers) {
    var G = protomapsL.GeomType, polys = [], lines = [], labels = [];
    var isPoly = function (z, f) { return f.geomType === G.Polygon; };
    var isLine = function (z, f) { return f.geomType === G.Line; };
    var notLine = function (z, f) { return f.geomType !== G.Line; };
    (layers || []).forEach(function (ly) {
      var id = String(ly.id), c = look(id), roads = /road|street|motorway/i.test(id);
      polys.push({dataLayer: id, symbolizer: new protomapsL.PolygonSymbolizer({fill: c.fill, opacity: 0.9}),
                  filter: isPoly});
      lines.push({dataLayer: id, filter: isLine, symbolizer: new protomapsL.LineSymbolizer(
        {color: c.line, width: roads ? function (z) { return z >= 15 ? 3 : z >= 12 ? 1.5 : 0.7; } : 0.8})});
      var fields = ly.fields || [];
      var name = NAME_FIELDS.filter(function (f) { return fields.indexOf(f) >= 0; });
      if (name.length) {
        labels.push({dataLayer: id, filter: isLine, symbolizer: new protomapsL.LineLabelSymbolizer(
          {labelProps: name, fill: "#333", stroke: "#fff", width: 2, fontSize: 11})});
        labels.push({dataLayer: id, filter: notLine, symbolizer: new protomapsL.CenteredTextSymbolizer(
          {labelProps: name, fill: "#222", stroke: "#fff", width: 2, fontSize: 12})});
      }
    });
    return {paint: polys.concat(lines), labels: labels};
  }

  function vectorLayer(spec, attribution) {
    var group = L.featureGroup();
    script("pmtiles-4.5.0/pmtiles.js").then(function () { return script("protomaps-leaflet-5.1.0/protomaps-leaflet.js"); })
      .then(function () {
        var rules = vectorRules(spec.layers);
        var layer = protomapsL.leafletLayer({
          url: new pmtiles.PMTiles(new PartsSource(spec)), paintRules: rules.paint, labelRules: rules.labels,
          maxDataZoom: spec.max_zoom, attribution: attribution, backgroundColor: "#f8f6f2", bounds: boundsOf(spec)});
        layer.on("tileerror", function (e) { group.fire("tileerror", e); });
        layer.on("tileload", function (e) { group.fire("tileload", e); });
        group.addLayer(layer);
        layer.bringToBack();
      })
      .catch(function (e) { group.fire("tileerror", {error: e}); });
    return group;
  }

  // -- the problem box ------------------------------------------------------------------------------------
  var problemBox = null;

  function say(map, text) {
    if (problemBox) map.removeControl(problemBox);
    problemBox = null;
    if (!text) return;
    var ctl = L.control({position: "topright"});
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "hotspots-message hotspots-tiles-problem");
      div.setAttribute("role", "alert");
      div.textContent = text;
      return div;
    };
    problemBox = ctl.addTo(map);
  }

  /** Watch a tile layer: say so on the map when its tiles fail and none has loaded. */
  function watch(map, layer, what, offline) {
    var loaded = 0, failed = 0;
    layer.on("tileload", function () {
      loaded += 1;
      if (failed && loaded === 1) say(map, null);
    });
    layer.on("tileerror", function () {
      failed += 1;
      if (!loaded) {
        say(map, "The map background (" + what + ") could not be loaded, so the map has no streets. Choose Basemap \"" +
          offline + "\" in the sidebar: it draws outlines and street names with nothing fetched.");
        document.body.setAttribute("data-tiles-failed", String(failed));
      }
    });
    layer.on("remove", function () { say(map, null); });
  }

  /** The background's layer (not yet on the map), from tiles_spec; null offline. */
  function tileLayer(map, spec, name, offline) {
    if (!spec) {
      say(map, null);
      return null;
    }
    var attribution = esc(spec.attribution || "");
    var layer;
    if (spec.type === "xyz") {
      if (spec.link) attribution = '<a href="' + esc(spec.link) + '" target="_blank" rel="noopener">' + attribution + "</a>";
      layer = L.tileLayer(spec.url, {attribution: attribution, maxZoom: 19, maxNativeZoom: spec.max_zoom || 19});
      watch(map, layer, (name || "tile server") + ", from " + (spec.host || "the internet"), offline);
    } else if (spec.type === "pmtiles" && spec.kind === "raster") {
      layer = new RasterLayer(spec, {attribution: attribution, maxZoom: 19, minNativeZoom: spec.min_zoom,
                                     maxNativeZoom: spec.max_zoom, bounds: boundsOf(spec)});
      watch(map, layer, (name || "tile file") + ", served by this app", offline);
    } else if (spec.type === "pmtiles" && spec.kind === "vector") {
      layer = vectorLayer(spec, attribution);
      layer.getAttribution = function () { return attribution; };
      watch(map, layer, (name || "tile file") + ", served by this app", offline);
    } else {
      return null;
    }
    return layer;
  }

  // -- offline: outlines with names, and street names at street zoom --------------------------------------
  function labelIcon(text, cls) {
    var el = document.createElement("div");
    el.className = "hotspots-place " + cls;
    el.textContent = String(text == null ? "" : text);
    return L.divIcon({className: "hotspots-place-icon", html: el, iconSize: null});
  }

  /** A layer group drawing the places (places_args): ward outlines, the names of districts (wide views), of
   * wards (closer) and of streets (street zoom and closer, only those in view). */
  function placesLayer(map, places) {
    var group = L.layerGroup(), areaNames = {};
    var streetZoom = places.street_zoom || 15;
    (places.areas || []).forEach(function (a) {
      var layer = String(a.layer);
      if (layer !== "district") {
        group.addLayer(L.geoJSON(a.geojson, {pane: "outlines", interactive: false,
          style: function () { return {color: "#666", weight: 1, fill: false, opacity: 0.7}; }}));
      }
      areaNames[layer] = L.layerGroup((a.labels || []).map(function (p) {
        return L.marker([p[0], p[1]], {interactive: false, keyboard: false,
                                       icon: labelIcon(p[2], "hotspots-place-" + (layer === "district" ? "district" : "ward"))});
      }));
    });
    var s = places.streets || {names: [], lat: [], lon: []};
    var streets = L.layerGroup(), shown = {};
    function update() {
      var z = map.getZoom();
      Object.keys(areaNames).forEach(function (layer) {
        var on = layer === "district" ? z <= 12 : (z >= 12 && z < streetZoom + 2);
        if (on && !group.hasLayer(areaNames[layer])) group.addLayer(areaNames[layer]);
        if (!on && group.hasLayer(areaNames[layer])) group.removeLayer(areaNames[layer]);
      });
      if (z < streetZoom) {
        if (group.hasLayer(streets)) group.removeLayer(streets);
        streets.clearLayers();
        shown = {};
      } else {
        // busiest first (the data's order); a name that would overlap one already written is left out, so
        // the names stay readable where snap points crowd (a town centre)
        var view = map.getBounds().pad(0.1), keep = {}, boxes = [], size = map.getSize();
        for (var i = 0; i < s.names.length; i++) {
          if (!view.contains([s.lat[i], s.lon[i]])) continue;
          var pt = map.latLngToContainerPoint([s.lat[i], s.lon[i]]);
          var w = String(s.names[i]).length * 6.2 + 6, h = 15;
          var box = [pt.x - w / 2, pt.y - h / 2, pt.x + w / 2, pt.y + h / 2];
          if (box[2] < -50 || box[0] > size.x + 50 || box[3] < -50 || box[1] > size.y + 50) continue;
          var clash = false;
          for (var j = 0; j < boxes.length && !clash; j++) {
            var o = boxes[j];
            clash = box[0] < o[2] && box[2] > o[0] && box[1] < o[3] && box[3] > o[1];
          }
          if (clash) continue;
          boxes.push(box);
          keep[i] = true;
          if (!shown[i]) {
            shown[i] = L.marker([s.lat[i], s.lon[i]], {interactive: false, keyboard: false,
                                                        icon: labelIcon(s.names[i], "hotspots-place-street")});
            streets.addLayer(shown[i]);
          }
        }
        Object.keys(shown).forEach(function (k) {
          if (!keep[k]) { streets.removeLayer(shown[k]); delete shown[k]; }
        });
        if (!group.hasLayer(streets)) group.addLayer(streets);
      }
      // what the place names show (the browser tests read it): the zoom, the view, how many street names
      var b = map.getBounds();
      document.body.setAttribute("data-places", JSON.stringify({zoom: z, south: b.getSouth(), west: b.getWest(),
        north: b.getNorth(), east: b.getEast(), streets: Object.keys(shown).length}));
    }
    group.on("add", function () { map.on("zoomend moveend", update); update(); });
    group.on("remove", function () { map.off("zoomend moveend", update); });
    return group;
  }

  window.HotspotsBasemap = {tileLayer: tileLayer, placesLayer: placesLayer, PartsSource: PartsSource};
})();
