/* The hotspot map: a Streamlit component (components.v1, no build step) drawn with Leaflet and h3-js.
 *
 * The iframe stays mounted while the page reruns (the Python side gives it a stable key) and
 * receives only data: H3 cell ids, a small colour palette with an index per cell, plain-text
 * labels, the legend as data, the boundaries, overlays (cluster outlines), the basemap and the
 * selected cell. Hexagon outlines are computed here with h3-js. A new data set is applied as a
 * change to what is drawn: hexagons that stay are restyled, gone ones removed, new ones added,
 * so a period change touches only what changed. The view is fitted once, and again only when
 * the area (view_key) changes.
 *
 * Text from data reaches the DOM only as text (textContent / text nodes), never as HTML:
 * location names come from files. Layer-control names are HTML in Leaflet, so they are escaped.
 *
 * Protocol (Streamlit components v1): we post streamlit:componentReady, receive streamlit:render
 * with the args, post streamlit:setFrameHeight and streamlit:setComponentValue ({cell, at}, or
 * {cluster, at} for a click on a cluster outline: an overlay feature with a numeric "cluster" property).
 * The view: fitted to the study area (view_bounds, else the outlines) on the first draw and when the
 * area changes, whatever the method draws. A selection made outside the map (a table row) pans to it and
 * zooms no closer than one step beyond the area's view, so the area's outline stays in sight.
 * body[data-view] holds the view ({south, west, north, east, zoom, area_zoom}) after each move.
 * After each data set is drawn (and a frame painted), body[data-version] is set to the data's
 * version and body[data-cells] to the number of hexagons: tests and bench/dashboard.py wait on it.
 */
(function () {
  "use strict";

  var COLOUR = /^#[0-9a-fA-F]{3,8}$/;
  var HEX = {weight: 0.5, fillOpacity: 0.8};
  var HIGHLIGHT = {weight: 3, color: "#000"};

  function post(type, data) {
    var msg = {isStreamlitMessage: true, type: type};
    for (var k in data || {}) msg[k] = data[k];
    window.parent.postMessage(msg, "*");
  }

  function colour(c, fallback) {
    return typeof c === "string" && COLOUR.test(c) ? c : fallback;
  }

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  /** A tooltip's content: a text node, so a label is shown as typed and never parsed as HTML. */
  function textNode(s) {
    return document.createTextNode(s == null ? "" : String(s));
  }

  /** A mark's element: its text as a text node, its colour checked (never HTML from data). */
  function markNode(text, stroke) {
    var el = document.createElement("div");
    el.className = "hotspots-mark-inner";
    el.style.background = colour(stroke, "#1f78b4");
    el.textContent = String(text).slice(0, 4);
    return el;
  }


  var st = {
    map: null, group: null, hexes: new Map(), rings: new Map(), res: null,
    version: null, boundaryKey: null, boundaryLayer: null, overlayKey: null, overlayLayers: [],
    tileKey: undefined, tileLayer: null, placesKey: undefined, placesLayer: null, legendKey: null, legend: null, controlKey: null, control: null,
    viewKey: undefined, fitted: false, selected: null, selectedLayer: null, height: null,
    areaZoom: null, selectedCluster: null, clusterLayer: null, clusterParent: null,
    pending: null, draws: 0, message: null
  };

  function ring(cell) {
    var r = st.rings.get(cell);
    if (!r) {
      r = h3.cellToBoundary(cell);  // [[lat, lng], ...], as Leaflet takes them
      st.rings.set(cell, r);
    }
    return r;
  }

  function choose(cell) {
    if (!cell) return;
    showSelected(cell);
    post("streamlit:setComponentValue", {value: {cell: cell, at: Date.now()}, dataType: "json"});
  }

  function chooseCluster(id) {
    showSelectedCluster(id);
    post("streamlit:setComponentValue", {value: {cluster: id, at: Date.now()}, dataType: "json"});
  }

  function chooseAt(latlng) {
    if (st.res == null) return;
    choose(h3.latLngToCell(latlng.lat, latlng.lng, st.res));
  }

  function initMap() {
    var map = L.map("map", {zoomControl: true});
    map.setView([51.8, -0.25], 10);  // Hertfordshire, until the data says where to look
    // outlines (boundaries, the selected hexagon) above the hexagons; clicks go through them
    var outlines = map.createPane("outlines");
    outlines.style.zIndex = 450;
    outlines.style.pointerEvents = "none";
    L.control.scale({imperial: false}).addTo(map);
    L.control.fullscreen({position: "topleft", title: "Full screen", titleCancel: "Leave full screen"}).addTo(map);
    var group = L.featureGroup().addTo(map);
    group.bindTooltip(function (layer) { return textNode(layer.hexLabel); }, {sticky: true});
    group.on("mouseover", function (e) { e.layer.setStyle(HIGHLIGHT); });
    group.on("mouseout", function (e) { e.layer.setStyle({weight: HEX.weight, color: e.layer.options.fillColor}); });
    group.on("click", function (e) { choose(e.layer.hexCell); });
    map.on("click", function (e) { chooseAt(e.latlng); });  // between hexagons: the cell under the click
    map.on("moveend", function () { if (st.map) markView(); });
    st.map = map;
    st.group = group;
  }

  function drawHexes(a) {
    var palette = (a.palette || []).map(function (c) { return colour(c, "#808080"); });
    var cells = a.cells || [], idx = a.colour_index || [], labels = a.labels || [];
    var keep = new Set(), added = [];
    for (var i = 0; i < cells.length; i++) {
      var cell = cells[i];
      var fill = palette[idx[i]] || "#808080";
      var layer = st.hexes.get(cell);
      if (layer) {
        if (layer.options.fillColor !== fill) layer.setStyle({fillColor: fill, color: fill});
      } else {
        if (typeof cell !== "string" || !h3.isValidCell(cell)) continue;
        layer = L.polygon(ring(cell), {fillColor: fill, color: fill, weight: HEX.weight, fillOpacity: HEX.fillOpacity});
        layer.hexCell = cell;
        st.hexes.set(cell, layer);
        added.push(layer);
      }
      keep.add(cell);
      layer.hexLabel = labels[i];
    }
    st.hexes.forEach(function (layer, cell) {
      if (!keep.has(cell)) {
        st.group.removeLayer(layer);
        st.hexes.delete(cell);
      }
    });
    for (var j = 0; j < added.length; j++) {
      st.group.addLayer(added[j]);
      added[j].getElement().setAttribute("data-cell", added[j].hexCell);
    }
  }

  function drawBoundaries(a) {
    if (a.boundaries_key === st.boundaryKey) return;
    if (st.boundaryLayer) st.map.removeLayer(st.boundaryLayer);
    st.boundaryLayer = null;
    var b = a.boundaries;
    if (b && b.features && b.features.length) {
      st.boundaryLayer = L.geoJSON(b, {pane: "outlines", interactive: false,
        style: function () { return {color: "#222", weight: 2, fill: false, dashArray: "4"}; }}).addTo(st.map);
    }
    st.boundaryKey = a.boundaries_key;
  }

  function drawOverlays(a) {
    if (a.overlays_key === st.overlayKey) return;
    st.overlayLayers.forEach(function (o) { st.map.removeLayer(o.layer); });
    st.overlayLayers = (a.overlays || []).map(function (o) {
      var marks = [];
      var layer = L.geoJSON(o.geojson, {
        // each feature's own look (a colour, a line, a dash, an opacity) or the cluster outlines' defaults
        style: function (f) {
          var p = f.properties || {};
          return {fillColor: colour(p.fill, "#808080"), color: colour(p.stroke, "#222"),
                  weight: typeof p.weight === "number" ? p.weight : 1.5,
                  fillOpacity: typeof p.fill_opacity === "number" ? p.fill_opacity : 0.6,
                  dashArray: typeof p.dash === "string" && /^[0-9 ,]*$/.test(p.dash) && p.dash ? p.dash : null};
        },
        onEachFeature: function (f, l) {
          var p = f.properties || {};
          l.bindTooltip(function () { return textNode(p.label); }, {sticky: true});
          // a cluster opens as a cluster (its id), anything else as the hexagon under the click
          var cid = typeof p.cluster === "number" && isFinite(p.cluster) ? p.cluster : null;
          if (cid !== null) l.clusterId = cid;
          l.on("click", function (e) {
            L.DomEvent.stopPropagation(e);
            if (cid !== null) chooseCluster(cid); else chooseAt(e.latlng);
          });
          // a short mark at the feature's centre (a camera site's rank), put in as text
          if (p.mark) marks.push(L.marker(l.getBounds().getCenter(), {interactive: false, keyboard: false,
            icon: L.divIcon({className: "hotspots-mark", html: markNode(p.mark, p.stroke), iconSize: [22, 22]})}));
        }
      });
      marks.forEach(function (m) { layer.addLayer(m); });
      layer.addTo(st.map);
      // each cluster's outline says which cluster it is (tests and tools find it by data-cluster)
      layer.eachLayer(function (l) {
        if (l.clusterId != null && l.getElement) {
          var el = l.getElement();
          if (el) el.setAttribute("data-cluster", String(l.clusterId));
        }
      });
      return {name: String(o.name || "Overlay"), layer: layer};
    });
    st.overlayKey = a.overlays_key;
    st.selectedCluster = null;  // new outlines: the highlight is drawn again on them
    st.clusterLayer = null;
    st.clusterParent = null;
  }

  /** The background: tiles from a server or from a file the app serves, none offline (basemap.js). */
  function drawTiles(a) {
    var key = a.tiles ? JSON.stringify(a.tiles) : null;
    if (key === st.tileKey) return;
    if (st.tileLayer) st.map.removeLayer(st.tileLayer);
    st.tileLayer = HotspotsBasemap.tileLayer(st.map, a.tiles, a.basemap, a.offline_name || "Offline");
    if (st.tileLayer) {
      st.tileLayer.addTo(st.map);
      st.tileLayer.bringToBack();
    }
    st.tileKey = key;
  }

  /** Offline: outlines with names and street names at street zoom (basemap.js), so a reader can place himself. */
  function drawPlaces(a) {
    var key = a.places ? a.places_key : null;
    if (key === st.placesKey) return;
    if (st.placesLayer) st.map.removeLayer(st.placesLayer);
    st.placesLayer = a.places ? HotspotsBasemap.placesLayer(st.map, a.places).addTo(st.map) : null;
    st.placesKey = key;
  }

  function drawLegend(a) {
    var lg = a.legend || {title: "", rows: [], note: ""};
    var key = JSON.stringify(lg);
    if (key === st.legendKey) return;
    if (st.legend) st.map.removeControl(st.legend);
    var ctl = L.control({position: "bottomleft"});
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "hotspots-legend");
      var title = L.DomUtil.create("div", "title", div);
      title.textContent = lg.title || "";
      (lg.rows || []).forEach(function (r) {
        var row = L.DomUtil.create("div", "row", div);
        var sw = L.DomUtil.create("span", "swatch", row);
        sw.style.background = colour(r[0], "#ffffff");
        row.appendChild(textNode(r[1]));
      });
      if (lg.note) L.DomUtil.create("div", "note", div).textContent = lg.note;
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    st.legend = ctl.addTo(st.map);
    st.legendKey = key;
  }

  function drawControl(a) {
    var overlays = {};
    if (st.tileLayer) overlays[esc(a.basemap || "Basemap")] = st.tileLayer;
    if (st.boundaryLayer) overlays["Boundaries"] = st.boundaryLayer;
    if (st.placesLayer) overlays["Place and street names"] = st.placesLayer;
    if (st.hexes.size) overlays[esc(a.layer_name || "Hexagons")] = st.group;
    st.overlayLayers.forEach(function (o) { overlays[esc(o.name)] = o.layer; });
    // the layers themselves, not only their names: new outlines under the same name need a new control
    var key = Object.keys(overlays).map(function (k) { return k + "#" + L.stamp(overlays[k]); }).join("\n");
    if (key === st.controlKey) return;
    if (st.control) st.map.removeControl(st.control);
    st.control = L.control.layers(null, overlays, {collapsed: false}).addTo(st.map);
    st.controlKey = key;
  }

  /** Outline the selected hexagon; true when the selection changed (a click here changes it first). */
  function showSelected(cell) {
    if (cell === st.selected) return false;
    if (st.selectedLayer) st.map.removeLayer(st.selectedLayer);
    st.selectedLayer = null;
    if (cell && h3.isValidCell(cell)) {
      st.selectedLayer = L.polygon(ring(cell), {pane: "outlines", interactive: false, fill: false, color: "#000",
                                                weight: 3}).addTo(st.map);
    }
    st.selected = cell || null;
    return true;
  }

  /** Outline the selected cluster (an overlay feature with that "cluster" id); true when it changed. */
  function showSelectedCluster(id) {
    id = typeof id === "number" && isFinite(id) ? id : null;
    if (id === st.selectedCluster && (id === null || st.clusterLayer)) return false;
    if (st.clusterLayer && st.clusterParent) st.clusterParent.resetStyle(st.clusterLayer);
    st.clusterLayer = null;
    st.clusterParent = null;
    if (id !== null) {
      st.overlayLayers.forEach(function (o) {
        o.layer.eachLayer(function (l) {
          if (l.clusterId === id && !st.clusterLayer) {
            st.clusterLayer = l;
            st.clusterParent = o.layer;
          }
        });
      });
      if (st.clusterLayer) {
        st.clusterLayer.setStyle({color: "#000", weight: 4});
        st.clusterLayer.bringToFront();
      }
    }
    st.selectedCluster = id;
    return true;
  }

  /** The study area: the bounds the page sent, else the outlines' bounds. */
  function areaBounds(a) {
    var v = a.view_bounds;
    if (Array.isArray(v) && v.length === 2) {
      var b = L.latLngBounds(v);
      if (b.isValid()) return b;
    }
    if (st.boundaryLayer) {
      var bb = st.boundaryLayer.getBounds();
      if (bb.isValid()) return bb;
    }
    return null;
  }

  /** Bring a selected place into view without losing the area: pan to it, at a zoom between the area's
   * and one step closer (and far enough out to show it whole). Nothing moves when it is well in view. */
  function reveal(bounds) {
    if (!bounds || !bounds.isValid()) return;
    var map = st.map, z = map.getZoom();
    var lo = st.areaZoom != null ? st.areaZoom : z;
    var target = Math.min(Math.max(z, lo), lo + 1, map.getBoundsZoom(bounds));
    if (target === z && map.getBounds().pad(-0.15).contains(bounds)) return;
    map.setView(bounds.getCenter(), target, {animate: false});
  }

  function markView() {
    var b = st.map.getBounds();
    document.body.setAttribute("data-view", JSON.stringify({
      south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast(),
      zoom: st.map.getZoom(), area_zoom: st.areaZoom}));
  }

  /** fitBounds options that keep the legend (bottom left) off everything drawn: the view is fitted into
   * the part of the map beside or above the legend, whichever loses less of the map. */
  function legendPadding() {
    var opts = {animate: false};
    var el = st.legend && st.legend.getContainer ? st.legend.getContainer() : null;
    var size = st.map.getSize();
    if (!el || !size.x || !size.y) return opts;
    var w = el.offsetWidth + 10, h = el.offsetHeight + 10;
    if (w >= size.x * 0.6 && h >= size.y * 0.6) return opts;  // a legend this big: a tiny map either way
    if (h / size.y <= w / size.x) opts.paddingBottomRight = [0, h];
    else opts.paddingTopLeft = [w, 0];
    return opts;
  }

  /** Whether the legend box covers the centre of any hexagon, cluster outline or marked site at the current view. */
  function legendHidesSomething() {
    var el = st.legend && st.legend.getContainer ? st.legend.getContainer() : null;
    if (!el || !el.offsetWidth) return false;
    var mapBox = st.map.getContainer().getBoundingClientRect(), box = el.getBoundingClientRect();
    var x0 = box.left - mapBox.left, x1 = box.right - mapBox.left, y0 = box.top - mapBox.top, y1 = box.bottom - mapBox.top;
    var under = function (ll) {
      var p = st.map.latLngToContainerPoint(ll);
      return p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1;
    };
    var hidden = false;
    st.hexes.forEach(function (l) { if (!hidden && l.getBounds && under(l.getBounds().getCenter())) hidden = true; });
    st.overlayLayers.forEach(function (o) {
      if (hidden || !o.layer.eachLayer) return;
      o.layer.eachLayer(function (l) {
        if (hidden) return;
        var ll = l.getLatLng ? l.getLatLng() : (l.getBounds ? l.getBounds().getCenter() : null);
        if (ll && under(ll)) hidden = true;
      });
    });
    return hidden;
  }

  /** Where to look: the study area; without one, the hexagons (a few outliers must not zoom the map
   * out), else the overlays. */
  function boundsOf(a) {
    var area = areaBounds(a);
    if (area) return area;
    var cells = [];
    st.hexes.forEach(function (l, c) { cells.push(c); });
    if (cells.length) {
      var lats = [], lngs = [];
      cells.forEach(function (c) { var p = h3.cellToLatLng(c); lats.push(p[0]); lngs.push(p[1]); });
      lats.sort(function (x, y) { return x - y; });
      lngs.sort(function (x, y) { return x - y; });
      var q = function (xs, f) { return xs[Math.min(xs.length - 1, Math.max(0, Math.round(f * (xs.length - 1))))]; };
      var lo = cells.length >= 100 ? 0.01 : 0, hi = cells.length >= 100 ? 0.99 : 1;
      return L.latLngBounds([q(lats, lo), q(lngs, lo)], [q(lats, hi), q(lngs, hi)]).pad(0.02);
    }
    for (var i = 0; i < st.overlayLayers.length; i++) {
      var b = st.overlayLayers[i].layer.getBounds();
      if (b.isValid()) return b;
    }
    return null;
  }

  function showMessage(text) {
    if (st.message) st.map.removeControl(st.message);
    st.message = null;
    if (!text) return;
    var ctl = L.control({position: "topright"});
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "hotspots-message");
      div.textContent = text;
      return div;
    };
    st.message = ctl.addTo(st.map);
  }

  function apply(a) {
    if (a.res !== st.res) {
      st.rings.clear();
      st.res = a.res;
    }
    drawTiles(a);
    drawBoundaries(a);
    drawPlaces(a);
    if (a.version !== st.version) {
      drawHexes(a);
      drawOverlays(a);
      st.version = a.version;
    }
    drawLegend(a);
    drawControl(a);
    var cellChanged = showSelected(a.selected || null);
    var clusterChanged = showSelectedCluster(a.selected_cluster);
    if (a.view_key !== st.viewKey || !st.fitted) {
      var b = boundsOf(a);
      if (b && b.isValid()) {
        st.map.fitBounds(b, {animate: false});
        // refitted beside or above the legend only when the legend would hide something drawn
        if (legendHidesSomething()) st.map.fitBounds(b, legendPadding());
        st.areaZoom = st.map.getZoom();
        st.fitted = true;
      }
      st.viewKey = a.view_key;
    }
    // chosen outside the map (a table row): bring it into view, the area still around it
    if (cellChanged && st.selectedLayer) reveal(st.selectedLayer.getBounds());
    if (clusterChanged && st.clusterLayer) reveal(st.clusterLayer.getBounds());
    markView();
    st.draws += 1;
    var version = a.version, n = st.hexes.size, draws = st.draws;
    // marked after the next frame is painted: "drawn" means on screen, not only in the DOM
    requestAnimationFrame(function () {
      setTimeout(function () {
        document.body.setAttribute("data-cells", String(n));
        document.body.setAttribute("data-draws", String(draws));
        document.body.setAttribute("data-version", String(version));
      }, 0);
    });
  }

  function render(a) {
    if (a.height !== st.height) {
      st.height = a.height;
      post("streamlit:setFrameHeight", {height: a.height});
    }
    st.pending = a;
    if (window.innerHeight < 10) return;  // not sized yet: drawn on the resize that follows
    flush();
  }

  function flush() {
    var a = st.pending;
    if (!a) return;
    st.pending = null;
    st.map.invalidateSize({pan: false});
    try {
      apply(a);
      showMessage(null);
    } catch (err) {
      showMessage("The map could not be drawn: " + (err && err.message ? err.message : err));
      if (window.console) console.error(err);
    }
  }

  initMap();
  window.addEventListener("resize", function () { if (window.innerHeight >= 10) flush(); });
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || e.data.type !== "streamlit:render") return;
    render(e.data.args || {});
  });
  post("streamlit:componentReady", {apiVersion: 1});
})();
